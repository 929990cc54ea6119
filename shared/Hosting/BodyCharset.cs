using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Apmatrix.Hosting;

/// <summary>
/// The charset a JSON body names, checked before its endpoint reads it: the read itself fails with a 500 on a charset the
/// runtime cannot decode, and on a quoted one, which HTTP allows as well as a bare one.
/// </summary>
static class BodyCharset
{
    /// <summary>Refuses (415) a charset the runtime cannot decode; unquotes one it can, so the endpoint's read finds it.</summary>
    public static void Check(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is null) return;
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.Charset.HasValue) return;
        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        if (!Decodable(charset.Value))
            throw new BadHttpRequestException("the body's charset cannot be read", StatusCodes.Status415UnsupportedMediaType);
        if (charset.Length == type.Charset.Length) return;
        type.Charset = charset;
        http.Request.ContentType = type.ToString();
    }

    static bool Decodable(string? charset)
    {
        if (string.IsNullOrEmpty(charset)) return false;
        try
        {
            Encoding.GetEncoding(charset);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            // NotSupportedException: UTF-7, which the runtime knows but refuses to decode.
            return false;
        }
    }
}
