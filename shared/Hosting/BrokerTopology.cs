using MassTransit;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// Where the broker is and what kind of queues the services get: one node (<c>ConnectionStrings:RabbitMq</c>) with
/// classic queues, or a cluster (<c>Messaging:Nodes</c>) with quorum queues that survive the loss of a node, hold a
/// message at most <c>Messaging:DeliveryLimit</c> deliveries and then dead-letter it to <c>dead-letters</c>.
/// </summary>
public sealed class BrokerTopology
{
    /// <summary>
    /// Every return to the queue counts (a lost connection, a stopped endpoint, not only a fault), and a service
    /// holds up to a prefetch of messages at once: high, so only a message that keeps killing its consumer reaches it.
    /// </summary>
    public const int DefaultDeliveryLimit = 100;

    /// <summary>The queue (and its fanout exchange) where a message over the delivery limit goes, before the queue prefix.</summary>
    public const string DeadLettersName = "dead-letters";

    BrokerTopology(IReadOnlyList<string> nodes, bool quorumQueues, int deliveryLimit, string queuePrefix) =>
        (Nodes, QuorumQueues, DeliveryLimit, QueuePrefix) = (nodes, quorumQueues, deliveryLimit, queuePrefix);

    /// <summary>The cluster's nodes (<c>host:port</c>); empty for the one node of the connection string.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary><c>Messaging:QuorumQueues</c>; on by default exactly when nodes are given.</summary>
    public bool QuorumQueues { get; }

    public int DeliveryLimit { get; }

    /// <summary><c>Messaging:QueuePrefix</c>, before every queue's name (tests use one per run); empty for none.</summary>
    public string QueuePrefix { get; }

    /// <summary>The prefixed dead-letter queue and exchange name.</summary>
    public string DeadLetters => QueuePrefix + DeadLettersName;

    /// <summary>Reads and checks the <c>Messaging</c> settings; a bad one stops the service at start with its key in the message.</summary>
    public static BrokerTopology From(IConfiguration configuration)
    {
        var nodes = (configuration["Messaging:Nodes"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var node in nodes)
            if (!IsNode(node))
                throw new InvalidOperationException($"Messaging:Nodes: '{node}' is not host or host:port (e.g. 127.0.0.1:5673,127.0.0.1:5674)");
        var quorum = configuration["Messaging:QuorumQueues"] is { } flag
            ? bool.TryParse(flag, out var on) ? on : throw new InvalidOperationException($"Messaging:QuorumQueues: '{flag}' is not true or false")
            : nodes.Length > 0;
        var limit = configuration["Messaging:DeliveryLimit"] is { } text
            ? int.TryParse(text, out var parsed) && parsed > 0 ? parsed : throw new InvalidOperationException($"Messaging:DeliveryLimit: '{text}' is not a positive whole number")
            : DefaultDeliveryLimit;
        var prefix = configuration["Messaging:QueuePrefix"] ?? "";
        // The broker's permissions (scripts/servers.sh) take a prefix of this form, and give names with an audit part to the auditor.
        if (prefix.Length > 0 && (!prefix.EndsWith('-') || !prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
                || prefix.Split('-').Contains("audit")))
            throw new InvalidOperationException($"Messaging:QueuePrefix: '{prefix}' is not lowercase letters, digits and hyphens ending in '-' " +
                "without an 'audit' part (e.g. test-7-)");
        return new BrokerTopology(nodes, quorum, limit, prefix);
    }

    /// <summary>
    /// A connection of a service's own, beside MassTransit's: with nodes, to the first of them that answers (the connection
    /// string's host may be the very node that is down), else to the connection string's broker.
    /// </summary>
    public Task<IConnection> ConnectAsync(Uri broker, string name, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = name };
        return Nodes.Count == 0
            ? factory.CreateConnectionAsync(cancellationToken)
            : factory.CreateConnectionAsync(Nodes.Select(AmqpTcpEndpoint.Parse).ToList(), cancellationToken);
    }

    /// <summary>With nodes, the client connects to one of them at a time and moves to the next when it loses it.</summary>
    public void ConfigureHost(IRabbitMqHostConfigurator host)
    {
        if (Nodes.Count == 0) return;
        host.UseCluster(cluster =>
        {
            foreach (var node in Nodes) cluster.Node(node);
        });
    }

    /// <summary>
    /// A service queue as a quorum queue; its <c>_error</c> queue copies these arguments, so it is replicated too.
    /// At-least-once dead-lettering keeps a message in its queue until the dead-letter queue has taken it.
    /// </summary>
    public void ConfigureQueue(IRegistrationContext context, string queue, IReceiveEndpointConfigurator endpoint)
    {
        if (!QuorumQueues || endpoint is not IRabbitMqReceiveEndpointConfigurator rabbit) return;
        rabbit.SetQuorumQueue();
        rabbit.SetQueueArgument("x-delivery-limit", DeliveryLimit);
        rabbit.SetQueueArgument("x-overflow", "reject-publish");
        rabbit.SetQueueArgument("x-dead-letter-strategy", "at-least-once");
        rabbit.BindDeadLetterQueue(DeadLetters, DeadLetters, deadLetters => deadLetters.SetQuorumQueue());
    }

    static bool IsNode(string node)
    {
        var colon = node.LastIndexOf(':');
        var host = colon < 0 ? node : node[..colon];
        return Uri.CheckHostName(host) != UriHostNameType.Unknown
            && (colon < 0 || ushort.TryParse(node[(colon + 1)..], out var port) && port > 0);
    }
}
