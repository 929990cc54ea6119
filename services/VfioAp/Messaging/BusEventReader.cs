using Apmatrix.Contracts;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// A lane carries every kind of bus event, consumed as <see cref="IBusEvent"/> (which every event's message type names);
/// this reads each as the record it was published as.
/// </summary>
public static class BusEventReader
{
    // The most frequent kinds first: a message is tried against each in turn.
    static readonly (Type Kind, Func<ConsumeContext, IBusEvent?> Read)[] Readers =
    [
        Reader<QueueProbed>(), Reader<QueuesProbed>(), Reader<QueueRemoved>(), Reader<QueuesRemoved>(),
        Reader<ConfigChanged>(), Reader<ScanComplete>(), Reader<BusMasksChanged>(),
    ];

    /// <summary>Every bus event ApBus publishes; their exchanges feed the lanes.</summary>
    public static readonly IReadOnlyList<Type> Kinds = [.. Readers.Select(r => r.Kind)];

    /// <summary>The event as published; a message of no bus event kind throws <see cref="FormatException"/>.</summary>
    public static IBusEvent Read(ConsumeContext context)
    {
        foreach (var reader in Readers)
            if (reader.Read(context) is { } message) return message;
        throw new FormatException($"not an AP bus event: {string.Join(", ", context.SupportedMessageTypes.Take(4))}");
    }

    static (Type, Func<ConsumeContext, IBusEvent?>) Reader<T>() where T : class, IBusEvent =>
        (typeof(T), context => context.TryGetMessage<T>(out var typed) ? typed.Message : null);
}
