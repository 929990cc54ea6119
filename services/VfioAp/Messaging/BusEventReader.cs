using Apmatrix.Contracts;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// A lane carries every kind of bus event, consumed as <see cref="IBusEvent"/> (which every event's message type names);
/// this reads each as the record it was published as.
/// </summary>
public static class BusEventReader
{
    /// <summary>Every bus event ApBus publishes; their exchanges feed the lanes.</summary>
    public static readonly IReadOnlyList<Type> Kinds =
        [typeof(QueueProbed), typeof(QueuesProbed), typeof(QueueRemoved), typeof(QueuesRemoved), typeof(ConfigChanged), typeof(ScanComplete), typeof(BusMasksChanged)];

    static readonly Func<ConsumeContext, IBusEvent?>[] Readers =
        [As<QueueProbed>, As<QueuesProbed>, As<QueueRemoved>, As<QueuesRemoved>, As<ConfigChanged>, As<ScanComplete>, As<BusMasksChanged>];

    /// <summary>The event as published; a message of no bus event kind throws <see cref="FormatException"/>.</summary>
    public static IBusEvent Read(ConsumeContext context)
    {
        foreach (var read in Readers)
            if (read(context) is { } message) return message;
        throw new FormatException($"not an AP bus event: {string.Join(", ", context.SupportedMessageTypes.Take(4))}");
    }

    static IBusEvent? As<T>(ConsumeContext context) where T : class, IBusEvent =>
        context.TryGetMessage<T>(out var typed) ? typed.Message : null;
}
