using Apmatrix.Contracts;
using Apmatrix.GuestVm.Persistence;
using MassTransit;

namespace Apmatrix.GuestVm.Messaging;

/// <summary>Applies a batch of APCB commands, of any guests, in one transaction (queue <c>apply-apcb</c>).</summary>
public sealed class ApplyApcbConsumer(GuestStore guests) : IConsumer<Batch<ApplyApcb>>
{
    public Task Consume(ConsumeContext<Batch<ApplyApcb>> context) =>
        guests.ApplyAsync(context.Message.Select(m => m.Message).ToList(), context.CancellationToken);
}
