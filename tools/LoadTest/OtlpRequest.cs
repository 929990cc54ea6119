namespace Apmatrix.LoadTest;

/// <summary>
/// Just enough of the protobuf wire format to count an OTLP export request's items per service: traces, metrics and logs
/// share one shape (field 1: per resource, whose field 1 is the resource and field 2 its scopes; a scope's field 2: its
/// spans, metrics or log records), and a resource names its service in the attribute <c>service.name</c>.
/// </summary>
public static class OtlpRequest
{
    /// <summary>Items per <c>service.name</c> ("?" where none is given); empty for a body that is not such a request.</summary>
    public static Dictionary<string, long> ItemsByService(ReadOnlyMemory<byte> request)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            foreach (var resource in Fields(request, 1))
            {
                var service = Fields(resource, 1).SelectMany(r => Fields(r, 1))
                    .Where(attribute => Fields(attribute, 1).Any(key => Text(key) == "service.name"))
                    .SelectMany(attribute => Fields(attribute, 2)).SelectMany(value => Fields(value, 1)).Select(Text).FirstOrDefault() ?? "?";
                counts[service] = counts.GetValueOrDefault(service) + Fields(resource, 2).Sum(scope => Fields(scope, 2).Count);
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            counts.Clear();
        }
        return counts;
    }

    /// <summary>The values of field <paramref name="number"/> of wire type LEN (messages, strings), in order.</summary>
    static List<ReadOnlyMemory<byte>> Fields(ReadOnlyMemory<byte> message, int number)
    {
        var found = new List<ReadOnlyMemory<byte>>();
        var span = message.Span;
        var at = 0;
        while (at < span.Length)
        {
            var tag = Varint(span, ref at);
            switch (tag & 7)
            {
                case 0:
                    Varint(span, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    var length = checked((int)Varint(span, ref at));
                    if (length > span.Length - at) throw new FormatException("a field runs past its message");
                    if (tag >> 3 == (ulong)number) found.Add(message.Slice(at, length));
                    at += length;
                    break;
                default:
                    throw new FormatException($"wire type {tag & 7}");
            }
        }
        if (at > span.Length) throw new FormatException("a field runs past its message");
        return found;
    }

    static ulong Varint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= span.Length) throw new FormatException("a varint runs past its message");
            var b = span[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException("a varint longer than 10 bytes");
    }

    static string Text(ReadOnlyMemory<byte> value) => System.Text.Encoding.UTF8.GetString(value.Span);
}
