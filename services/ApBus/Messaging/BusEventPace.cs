using Apmatrix.ApBus.Http;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Microsoft.Extensions.Options;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Keeps each host's backlog in ApBus's outbox, which is per host, rather than in the bus-event lane it shares with other
/// hosts: a host's events leave only <see cref="BusEventLeadOptions.Lead"/> ahead of what VfioAp has applied (<see cref="HostLeads"/>).
/// </summary>
public sealed class BusEventPace(IOptions<BusEventLeadOptions> options, TimeProvider clock, VfioApClient vfioAp) : IOutboxPace
{
    readonly HostLeads _leads = new(options.Value, clock, vfioAp.AppliedAsync);

    public async ValueTask<int> AllowAsync(string key, IReadOnlyList<object> messages, CancellationToken cancellationToken)
    {
        // Only bus events are paced; ApBus's outbox holds nothing else today, and anything else goes at once.
        var events = messages.TakeWhile(m => m is IBusEvent).Cast<IBusEvent>().Select(e => e.Sequence).ToList();
        return events.Count == 0 ? messages.Count : await _leads.AllowAsync(key, events, cancellationToken);
    }
}
