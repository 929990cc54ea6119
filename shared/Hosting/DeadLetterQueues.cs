using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMqTopology = MassTransit.RabbitMqTransport.Topology.BrokerTopology;

namespace Apmatrix.Hosting;

/// <summary>
/// The dead-letter queues a service owns: each of its receive endpoints' <c>_error</c> (faulted) and <c>_skipped</c>
/// (no consumer) queues, learnt from MassTransit as it configures them, and with quorum queues the broker's
/// <c>dead-letters</c>, which every service's queues share. Each dead letter's way home is its own receive queue.
/// </summary>
public sealed class DeadLetterQueues(BrokerTopology topology) : IConfigureReceiveEndpoint
{
    public const string Error = "_error";
    public const string Skipped = "_skipped";

    readonly List<string> _receive = [];
    readonly Dictionary<string, RabbitMqTopology> _made = [];

    /// <summary>Called by MassTransit for every receive endpoint of this service, the lanes included (<see cref="LaneEndpoints{TConsumer}"/>).</summary>
    public void Configure(string name, IReceiveEndpointConfigurator configurator)
    {
        lock (_receive)
            if (!_receive.Contains(name)) _receive.Add(name);
    }

    /// <summary>
    /// Learns how MassTransit will make each <c>_error</c> and <c>_skipped</c> queue (it makes one on its first move), so
    /// <see cref="DeadLetterBroker"/> can make it the same way first instead of asking for a queue that is not there.
    /// </summary>
    public void Learn(IRabbitMqSendTopologyConfigurator send)
    {
        send.ConfigureErrorSettings = settings => Learn(((ErrorSettings)settings).GetBrokerTopology());
        send.ConfigureDeadLetterSettings = settings => Learn(((DeadLetterSettings)settings).GetBrokerTopology());
    }

    void Learn(RabbitMqTopology made)
    {
        lock (_made)
            foreach (var queue in made.Queues)
                _made[queue.QueueName] = made;
    }

    /// <summary>The exchange, queue and binding MassTransit makes for <paramref name="queue"/>; null when it makes none (the shared queue).</summary>
    public RabbitMqTopology? MadeBy(string queue)
    {
        lock (_made) return _made.GetValueOrDefault(queue);
    }

    /// <summary>Every dead-letter queue of this service, in the order its endpoints were configured.</summary>
    public IReadOnlyList<string> All
    {
        get
        {
            lock (_receive)
            {
                var queues = _receive.SelectMany(queue => new[] { queue + Error, queue + Skipped }).ToList();
                if (topology.QuorumQueues) queues.Add(topology.DeadLetters);
                return queues;
            }
        }
    }

    public bool Owns(string queue) => All.Contains(queue, StringComparer.Ordinal);

    /// <summary>The broker's shared queue: its messages name their queue in <c>x-first-death-queue</c>.</summary>
    public bool IsShared(string queue) => topology.QuorumQueues && queue == topology.DeadLetters;

    /// <summary>
    /// The receive queue of this service a dead letter goes back to: <paramref name="died"/> (where the broker
    /// dead-lettered it, or the dead-letter queue itself) without its <c>_error</c>/<c>_skipped</c>; null when not ours.
    /// </summary>
    public string? HomeOf(string died)
    {
        var home = died.EndsWith(Error, StringComparison.Ordinal) ? died[..^Error.Length]
            : died.EndsWith(Skipped, StringComparison.Ordinal) ? died[..^Skipped.Length]
            : died;
        lock (_receive) return _receive.Contains(home) ? home : null;
    }
}
