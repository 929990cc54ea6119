using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// One dead letter as an operator reads it: what it is (id, types, host), why it is there (MassTransit's move headers,
/// or the broker's death), where a re-drive sends it, and its body: the JSON it holds, or its text as a JSON string.
/// </summary>
public sealed record DeadLetterMessage(
    string? MessageId,
    IReadOnlyList<string> MessageTypes,
    string? HostId,
    string? Reason,
    string? ExceptionType,
    string? FaultMessage,
    string? FaultTimestamp,
    string? InputAddress,
    string? Queue,
    string? Publisher,
    long DeliveryCount,
    JsonElement Body)
{
    /// <summary>The headers MassTransit writes when it moves a message to <c>_error</c> or <c>_skipped</c> (MassTransit 8.5, MessageHeaders).</summary>
    public const string ReasonHeader = "MT-Reason";
    public const string FaultPrefix = "MT-Fault-";
    const string ExceptionTypeHeader = "MT-Fault-ExceptionType";
    const string FaultMessageHeader = "MT-Fault-Message";
    const string FaultTimestampHeader = "MT-Fault-Timestamp";
    const string InputAddressHeader = "MT-Fault-InputAddress";
    const string MessageTypeHeader = "MT-MessageType";

    /// <summary>The reason a message no consumer took is moved to <c>_skipped</c> with (<see cref="UnstampedDeadLetterFilter"/>).</summary>
    public const string Unconsumed = "dead-letter";

    /// <summary>What RabbitMQ adds when it dead-letters a message (delivery limit) and counts on a quorum queue.</summary>
    public const string FirstDeathQueue = "x-first-death-queue";
    const string FirstDeathReason = "x-first-death-reason";
    public const string DeliveryCountHeader = "x-delivery-count";

    /// <summary>
    /// Reads one message taken from <paramref name="queue"/>; <paramref name="home"/> is where it would go back
    /// (null: not to any queue of this service).
    /// </summary>
    public static DeadLetterMessage From(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, string? home)
    {
        var headers = properties.Headers;
        var json = ReadBody(body);
        var envelope = json.ValueKind == JsonValueKind.Object ? json : default;
        var types = envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("messageType", out var listed) && listed.ValueKind == JsonValueKind.Array
            ? listed.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList()
            : (Header(headers, MessageTypeHeader) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
        var reason = Header(headers, ReasonHeader) ?? Header(headers, FirstDeathReason);
        return new DeadLetterMessage(
            properties.IsMessageIdPresent() ? properties.MessageId : StringOf(envelope, "messageId"),
            types,
            envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("message", out var message) ? StringOf(message, "hostId") : null,
            reason,
            Header(headers, ExceptionTypeHeader),
            // MassTransit says nothing more of a message no consumer took: what it lacked is a type the queue's consumer takes.
            Header(headers, FaultMessageHeader) ?? (reason == Unconsumed ? UnconsumedText(types, home) : null),
            Header(headers, FaultTimestampHeader),
            Header(headers, InputAddressHeader),
            home,
            properties.IsUserIdPresent() ? properties.UserId : Header(headers, Publishers.Header),
            DeliveryCountOf(headers),
            json);
    }

    /// <summary>How often a quorum queue has delivered the message before (0 when it never counted).</summary>
    public static long DeliveryCountOf(IDictionary<string, object?>? headers) =>
        headers?.TryGetValue(DeliveryCountHeader, out var count) == true && count is IConvertible number ? number.ToInt64(null) : 0;

    /// <summary>A header as text: RabbitMQ.Client hands AMQP strings over as bytes.</summary>
    public static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value)
            ? value switch
            {
                null => null,
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                AmqpTimestamp time => DateTimeOffset.FromUnixTimeSeconds(time.UnixTime).ToString("O"),
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;

    static string UnconsumedText(IReadOnlyList<string> types, string? home) =>
        $"no consumer of {home ?? "the queue it came from"} takes its message type{(types.Count == 1 ? "" : "s")} " +
        (types.Count == 0 ? "(it names none)" : string.Join(", ", types));

    static JsonElement ReadBody(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // A poison message that is not JSON is still shown, as the text it is.
            return JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(body.Span));
        }
    }

    static string? StringOf(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
