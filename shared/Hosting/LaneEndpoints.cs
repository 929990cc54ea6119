using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>Declares the receive endpoints of a consumer's <see cref="HostLanes"/>; registered by <see cref="BusSetup.AddLaneBatchConsumer{TConsumer, TMessage}"/>.</summary>
interface ILaneEndpoints
{
    void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit, string prefix);
}

sealed class LaneEndpoints<TConsumer>(HostLanes lanes) : ILaneEndpoints where TConsumer : class, IConsumer
{
    /// <summary>The plugin rabbitmq_consistent_hash_exchange, which scripts/servers.sh enables.</summary>
    const string ConsistentHash = "x-consistent-hash";

    public void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit, string prefix)
    {
        for (var lane = 0; lane < lanes.Count; lane++)
        {
            var queue = prefix + lanes.Queue(lane);
            rabbit.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.ConfigureConsumeTopology = false;
                // One consumer at a time per lane across every instance: the lane's order is the order applied.
                endpoint.SingleActiveConsumer = true;
                endpoint.Bind(prefix + lanes.Name, hash =>
                {
                    hash.ExchangeType = ConsistentHash;
                    // The binding's key is the lane's weight on the hash ring: every lane the same.
                    hash.RoutingKey = "1";
                    foreach (var source in lanes.Sources) hash.Bind(ExchangeOf(source), events => events.ExchangeType = "fanout");
                });
                // What ConfigureEndpoints does for every other endpoint: retries, error and dead-letter filters, quorum queues.
                context.GetConfigureReceiveEndpoints().Configure(queue, endpoint);
                endpoint.ConfigureConsumer<TConsumer>(context);
            });
        }
    }

    /// <summary>MassTransit's exchange for a message type: its namespace and name, as every service and subscriber binds it.</summary>
    static string ExchangeOf(Type message) => $"{message.Namespace}:{message.Name}";
}
