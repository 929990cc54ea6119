using System.Reflection;

namespace Apmatrix.Dashboard.Http;

/// <summary>
/// The page itself: static HTML, CSS and JavaScript holding no data, so anyone may load it; it asks for an API key and sends it
/// only as the API-key header of its own requests. The policy keeps the page to its own origin and its own scripts.
/// </summary>
public static class DashboardPage
{
    static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard.css", "dashboard.css", "text/css; charset=utf-8"),
    ];

    const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDashboardPage(this IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var content = Read(resource);
            app.MapMethods(path, [HttpMethods.Get, HttpMethods.Head], (HttpResponse response) =>
            {
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers["Referrer-Policy"] = "no-referrer";
                response.Headers.CacheControl = "no-cache";
                return TypedResults.Bytes(content, contentType);
            }).AllowAnonymous().ExcludeFromDescription();
        }
        return app;
    }

    static byte[] Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Page/{resource}")
            ?? throw new InvalidOperationException($"the page's {resource} is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
