using Apmatrix.Contracts;
using Apmatrix.Hosting;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Consumes one kind of bus event, a batch at a time; each kind has its own queue, named after it (config-changed,
/// queue-probed, queues-probed, ...), and the order across them comes from the sequence numbers.
/// </summary>
public sealed class BusEventConsumer<TEvent>(BusEventApplier applier) : IConsumer<Batch<TEvent>> where TEvent : class, IBusEvent
{
    public Task Consume(ConsumeContext<Batch<TEvent>> context) =>
        BatchIsolation.ApplyAsync(context, (events, cancellationToken) => applier.ApplyAsync(events, cancellationToken));
}
