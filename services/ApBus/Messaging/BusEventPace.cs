using Apmatrix.ApBus.Http;
using Apmatrix.ApBus.Persistence;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Keeps each host's backlog in ApBus's outbox, which is per host, rather than in the bus-event lane it shares with other
/// hosts: a host's events leave only <see cref="BusEventLeadOptions.Lead"/> ahead of what VfioAp has applied (<see cref="HostLeads"/>).
/// </summary>
public sealed class BusEventPace(IOptions<BusEventLeadOptions> options, TimeProvider clock, IServiceProvider services) : IOutboxPace
{
    // A typed client per ask, as the HTTP client factory means them to be used: this pace lives as long as the process.
    readonly HostLeads _leads = new(options.Value, clock, (hosts, ct) => services.GetRequiredService<VfioApClient>().AppliedAsync(hosts, ct));

    public async ValueTask<IReadOnlyDictionary<string, int>> LimitsAsync(CancellationToken cancellationToken)
    {
        var events = await _leads.LimitsAsync(cancellationToken);
        // The leads count events and the outbox reads rows of up to HostStore.EventsPerRow events: enough rows, a row over at most.
        return events.Count == 0 ? events : events.ToDictionary(l => l.Key, l => l.Value / HostStore.EventsPerRow + 1);
    }

    public async ValueTask<int> AllowAsync(string key, IReadOnlyList<object> messages, CancellationToken cancellationToken)
    {
        // Only bus events are paced; ApBus's outbox holds nothing else today, and anything else goes at once.
        var events = messages.TakeWhile(m => m is IBusEvent).Cast<IBusEvent>().Select(e => e.Sequence).ToList();
        return events.Count == 0 ? messages.Count : await _leads.AllowAsync(key, events, cancellationToken);
    }
}
