using Apmatrix.Contracts;
using Apmatrix.GuestVm.Persistence;
using Apmatrix.Hosting;
using MassTransit;

namespace Apmatrix.GuestVm.Messaging;

/// <summary>Applies a batch of APCB commands, of any hosts and guests, in one transaction (queue <c>apply-apcbs</c>).</summary>
public sealed class ApplyApcbsConsumer(GuestStore guests, GuestVmDbContext db) : IConsumer<Batch<ApplyApcbs>>
{
    public Task Consume(ConsumeContext<Batch<ApplyApcbs>> context) =>
        BatchIsolation.ApplyAsync(context, (commands, cancellationToken) =>
        {
            // A batch that failed leaves its entities tracked; the retry or the one-by-one pass must start clean.
            db.ChangeTracker.Clear();
            return guests.ApplyAsync(commands, cancellationToken);
        });
}
