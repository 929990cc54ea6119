using Apmatrix.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>The one RabbitMQ bus set-up all services share; each passes only its consumers.</summary>
public static class BusSetup
{
    /// <summary>
    /// Kebab-case queues (optionally prefixed by <c>Messaging:QueuePrefix</c>), usage telemetry off (no
    /// outside traffic). A database outage is retried in memory until it ends, with the messages kept unacknowledged
    /// in their queue; contention gets a few quick retries; anything else faults to <c>_error</c>. Every message sent
    /// carries the connection's user as its <c>user_id</c>; no <c>Fault</c> is published.
    /// </summary>
    public static IServiceCollection AddApmatrixBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator> addConsumers)
    {
        var broker = configuration.GetConnectionString("RabbitMq") is { Length: > 0 } set
            ? Uri.TryCreate(set, UriKind.Absolute, out var url) && url.Scheme is "amqp" or "amqps"
                ? url
                : throw new InvalidOperationException("ConnectionStrings:RabbitMq is not an amqp:// URL (amqp://user:password@127.0.0.1:5672/vhost); its value holds a password and is not shown")
            : throw new InvalidOperationException("ConnectionStrings:RabbitMq is not set (amqp://user:password@127.0.0.1:5672/vhost); scripts/servers.sh up writes it to .servers.env");
        var topology = BrokerTopology.From(configuration);
        var user = Publishers.User(broker);
        var prefix = topology.QueuePrefix;
        services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix, false));
            addConsumers(bus);
            bus.AddConfigureEndpointsCallback(topology.ConfigureQueue);
            // The first filter added is the outer one: an outage outlasts any number of contention rounds.
            bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                // Nothing consumes faults, and the broker lets no service write a fault exchange.
                endpoint.PublishFaults = false;
                endpoint.ConfigureError(error => error.UseFilter(new UnstampedErrorFilter(user)));
                endpoint.ConfigureDeadLetter(deadLetter => deadLetter.UseFilter(new UnstampedDeadLetterFilter(user)));
                endpoint.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(DatabaseFaults.IsOutage);
                    // Exponential computes its intervals only up to the cap, so an unbounded count costs nothing.
                    retry.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));
                });
                endpoint.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(DatabaseFaults.IsContention);
                    retry.Exponential(8, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50));
                });
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                // Named after its user, so the broker's permissions can give each service its own bus endpoint.
                rabbit.OverrideDefaultBusEndpointQueueName($"{prefix}{user}-bus-{Guid.NewGuid():N}");
                // No exchange for the interface: only the seven event exchanges, which only ApBus may write.
                rabbit.Publish<IBusEvent>(publish => publish.Exclude = true);
                var stamp = new PublisherStamp(user);
                rabbit.ConnectPublishObserver(stamp);
                rabbit.ConnectSendObserver(stamp);
                rabbit.Host(broker, host =>
                {
                    // A node that vanishes without closing the connection is noticed in seconds, not after a minute.
                    host.Heartbeat(TimeSpan.FromSeconds(10));
                    host.RequestedConnectionTimeout(TimeSpan.FromSeconds(10));
                    BrokerSocket.Use(host, context.GetRequiredService<BrokerConnections>());
                    topology.ConfigureHost(host);
                });
                context.GetService<DeadLetterQueues>()?.Learn(rabbit.SendTopology);
                foreach (var lanes in context.GetServices<ILaneEndpoints>()) lanes.Configure(context, rabbit, prefix);
                rabbit.ConfigureEndpoints(context);
            });
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(topology);
        services.AddSingleton<BrokerConnections>();
        services.AddOptions<MessagingOptions>().Bind(configuration.GetSection(MessagingOptions.Section))
            .Validate(o => o.PublishTimeout > TimeSpan.Zero, "Messaging:PublishTimeout must be positive")
            .Validate(o => o.OutboxBatchSize is > 0 and <= 50_000, "Messaging:OutboxBatchSize must be from 1 to 50000")
            .Validate(o => o.OutboxLanes is > 0 and <= 64, "Messaging:OutboxLanes must be from 1 to 64").ValidateOnStart();
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StopTimeout = TimeSpan.FromSeconds(20);
            // Cancels a batch still running (or waiting out an outage) when its connection drops, so the endpoint restarts
            // and the broker returns the batch to the queue instead of the stop timing out around it.
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }

    /// <summary>
    /// Registers a consumer of message batches with <see cref="BatchConsumerDefinition{TConsumer, TMessage}"/>;
    /// <paramref name="limits"/> is read from the container once, when the endpoint is configured.
    /// </summary>
    public static IConsumerRegistrationConfigurator<TConsumer> AddBatchConsumer<TConsumer, TMessage>(this IBusRegistrationConfigurator bus,
        Func<IServiceProvider, BatchLimits> limits, Action<ConsumeContext<TMessage>>? check = null)
        where TConsumer : class, IConsumer<Batch<TMessage>>
        where TMessage : class
    {
        bus.AddSingleton(provider => new BatchConsumerSetup<TConsumer, TMessage>(limits(provider), check));
        return bus.AddConsumer<TConsumer, BatchConsumerDefinition<TConsumer, TMessage>>();
    }

    /// <summary>
    /// Registers a batch consumer, like <see cref="AddBatchConsumer{TConsumer, TMessage}"/>, on the lanes
    /// <paramref name="lanes"/> describes instead of one queue of its own.
    /// </summary>
    public static void AddLaneBatchConsumer<TConsumer, TMessage>(this IBusRegistrationConfigurator bus, Func<IServiceProvider, HostLanes> lanes,
        Func<IServiceProvider, BatchLimits> limits, Action<ConsumeContext<TMessage>>? check = null)
        where TConsumer : class, IConsumer<Batch<TMessage>>
        where TMessage : class
    {
        bus.AddBatchConsumer<TConsumer, TMessage>(limits, check).ExcludeFromConfigureEndpoints();
        bus.AddSingleton<ILaneEndpoints>(provider => new LaneEndpoints<TConsumer>(lanes(provider)));
    }

    /// <summary>
    /// Shares the lanes <paramref name="lanes"/> describes among the service's instances, whose membership
    /// <typeparamref name="TContext"/>'s database keeps (<see cref="LaneSharing{TContext}"/>).
    /// </summary>
    public static IServiceCollection AddLaneSharing<TContext>(this IServiceCollection services, Func<IServiceProvider, HostLanes> lanes)
        where TContext : DbContext
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<LaneSharing<TContext>>(provider, lanes(provider),
            provider.GetRequiredService<BrokerTopology>().QueuePrefix));
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<LaneSharing<TContext>>());
        services.AddHostedService(provider => provider.GetRequiredService<LaneSharing<TContext>>());
        return services;
    }
}
