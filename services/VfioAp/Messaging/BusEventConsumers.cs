using Apmatrix.Contracts;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

// One queue per event kind (config-changed, queue-probed, ...); the order across them comes from the sequence numbers.

public sealed class ConfigChangedConsumer(BusEventLog events) : IConsumer<Batch<ConfigChanged>>
{
    public Task Consume(ConsumeContext<Batch<ConfigChanged>> context) =>
        events.AppendAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

public sealed class QueueProbedConsumer(BusEventLog events) : IConsumer<Batch<QueueProbed>>
{
    public Task Consume(ConsumeContext<Batch<QueueProbed>> context) =>
        events.AppendAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

public sealed class QueueRemovedConsumer(BusEventLog events) : IConsumer<Batch<QueueRemoved>>
{
    public Task Consume(ConsumeContext<Batch<QueueRemoved>> context) =>
        events.AppendAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

public sealed class ScanCompleteConsumer(BusEventLog events) : IConsumer<Batch<ScanComplete>>
{
    public Task Consume(ConsumeContext<Batch<ScanComplete>> context) =>
        events.AppendAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

public sealed class BusMasksChangedConsumer(BusEventLog events) : IConsumer<Batch<BusMasksChanged>>
{
    public Task Consume(ConsumeContext<Batch<BusMasksChanged>> context) =>
        events.AppendAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}
