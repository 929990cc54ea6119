using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Apmatrix.Hosting;

/// <summary>
/// How messages become outbox rows and back. Consecutive messages of one type and one key may share a row, a JSON array
/// whose type is named <c>T[]</c>: a scan's tens of thousands of bus events then cost the database a few thousand rows
/// to write, lock, read and delete, and the dispatcher still publishes them one by one, in order.
/// </summary>
public static class OutboxRows
{
    /// <summary>A row to write: <paramref name="Type"/> names a contract, or an array of one when the row is packed.</summary>
    public readonly record struct Written(string Type, string Body, string Key);

    /// <summary>
    /// The rows of <paramref name="messages"/>, in order: runs of one type and key go up to <paramref name="perRow"/> to a
    /// row; a message alone in its row is a row of its own type.
    /// </summary>
    public static List<Written> Pack<T>(IReadOnlyCollection<T> messages, Func<T, string> partitionOf, int perRow) where T : class
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perRow, 1);
        var rows = new List<Written>();
        var run = new List<T>(perRow);
        (Type? type, string key) = (null, "");
        foreach (var message in messages)
        {
            var messageKey = partitionOf(message);
            if (run.Count == perRow || run.Count > 0 && (message.GetType() != type || messageKey != key)) Close();
            (type, key) = (message.GetType(), messageKey);
            run.Add(message);
        }
        Close();
        return rows;

        void Close()
        {
            if (run.Count == 0) return;
            rows.Add(run.Count == 1
                ? new Written(type!.FullName!, JsonSerializer.Serialize(run[0], type, Wire.Options), key)
                : new Written(type!.MakeArrayType().FullName!, Array(run, type), key));
            run.Clear();
        }
    }

    static string Array<T>(List<T> run, Type type)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * run.Count);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var message in run) JsonSerializer.Serialize(writer, message, type, Wire.Options);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The contract type of a row's messages, whether the row is packed, and the messages in order; throws as the
    /// serializer does on a body no contract reads.
    /// </summary>
    public static (Type Type, bool Packed, IReadOnlyList<object> Messages) Unpack(string messageType, string body)
    {
        var type = Wire.ContractType(messageType);
        if (!type.IsArray)
            return (type, false, [JsonSerializer.Deserialize(body, type, Wire.Options) ?? throw new JsonException("the body is JSON null")]);
        // Contracts are classes, so an array of one is an object[].
        var messages = (object?[]?)JsonSerializer.Deserialize(body, type, Wire.Options) ?? throw new JsonException("the body is JSON null");
        if (System.Array.IndexOf(messages, null) is var empty and >= 0) throw new JsonException($"message {empty} of the row is JSON null");
        return (type.GetElementType()!, true, messages!);
    }

    /// <summary>
    /// The message id of message <paramref name="index"/> of a row: the row's own for a row of one message; in a packed
    /// row, one mixed from the row's and the index (RFC 9562 version 8), so a batch sent again carries the same ids.
    /// </summary>
    public static Guid MessageIdOf(Guid rowId, int index, bool packed)
    {
        if (!packed) return rowId;
        Span<byte> bytes = stackalloc byte[16];
        rowId.TryWriteBytes(bytes);
        var high = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var low = Mix(BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]) + (ulong)(index + 1) * 0x9e3779b97f4a7c15);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Mix(high ^ low));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], low);
        bytes[6] = (byte)(bytes[6] & 0x0f | 0x80);
        bytes[8] = (byte)(bytes[8] & 0x3f | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>SplitMix64's finalizer: a cheap bijection that spreads every input bit (a hash here costs more than the publish).</summary>
    static ulong Mix(ulong z)
    {
        z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9;
        z = (z ^ z >> 27) * 0x94d049bb133111eb;
        return z ^ z >> 31;
    }

    /// <summary>
    /// How many of a batch's rows go when the pace allows <paramref name="allowed"/> of their messages
    /// (<paramref name="messagesPerRow"/>, 0 for a row nobody can read): rows go whole, so the rows up to the last one
    /// the allowed messages fill, or the first row when they do not fill one (a row never waits for ever on a pace
    /// smaller than it). An unreadable row among those taken goes with them.
    /// </summary>
    public static int Taken(IReadOnlyList<int> messagesPerRow, int allowed)
    {
        var messages = 0;
        for (var row = 0; row < messagesPerRow.Count; row++)
        {
            if (messages + messagesPerRow[row] > allowed) return messages == 0 ? row + 1 : row;
            messages += messagesPerRow[row];
        }
        return messagesPerRow.Count;
    }
}
