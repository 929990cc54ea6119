using Apmatrix.Contracts;
using Apmatrix.Hosting;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Consumes one lane of bus events (every kind, every host that hashes to it) a batch at a time, in the order the lane
/// delivers them; the sequence numbers still decide the order applied.
/// </summary>
public sealed class BusEventConsumer(BusEventApplier applier) : IConsumer<Batch<IBusEvent>>
{
    public Task Consume(ConsumeContext<Batch<IBusEvent>> context) =>
        BatchIsolation.ApplyAsync(context, BusEventReader.Read, (events, cancellationToken) => applier.ApplyAsync(events, cancellationToken));

    /// <summary>Sends an event that can never apply alone to its lane's <c>_error</c> queue, before it joins a batch.</summary>
    public static void Check(ConsumeContext<IBusEvent> context) => Persistence.PendingBusEvent.Check(BusEventReader.Read(context));
}
