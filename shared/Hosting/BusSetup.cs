using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>The one RabbitMQ bus set-up all services share; each passes only its consumers.</summary>
public static class BusSetup
{
    /// <summary>
    /// Kebab-case queues (optionally prefixed by <c>Messaging:QueuePrefix</c>), usage telemetry off (no
    /// outside traffic), bounded in-memory retry of transient database faults, then <c>_error</c>.
    /// </summary>
    public static IServiceCollection AddApmatrixBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator> addConsumers)
    {
        var broker = configuration.GetConnectionString("RabbitMq")
            ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not set (amqp://user:password@127.0.0.1:5672/vhost); scripts/servers.sh up writes it to .servers.env");
        var topology = BrokerTopology.From(configuration);
        services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(configuration["Messaging:QueuePrefix"], false));
            addConsumers(bus);
            bus.AddConfigureEndpointsCallback(topology.ConfigureQueue);
            bus.AddConfigureEndpointsCallback((_, _, endpoint) => endpoint.UseMessageRetry(retry =>
            {
                retry.Handle<Exception>(IsTransient);
                retry.Exponential(8, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50));
            }));
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(broker), topology.ConfigureHost);
                rabbit.ConfigureEndpoints(context);
            });
        });
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StopTimeout = TimeSpan.FromSeconds(20);
        });
        return services;
    }

    /// <summary>
    /// Registers a consumer of message batches with <see cref="BatchConsumerDefinition{TConsumer, TMessage}"/>;
    /// <paramref name="limits"/> is read from the container once, when the endpoint is configured.
    /// </summary>
    public static IConsumerRegistrationConfigurator<TConsumer> AddBatchConsumer<TConsumer, TMessage>(this IBusRegistrationConfigurator bus,
        Func<IServiceProvider, BatchLimits> limits, Action<TMessage>? check = null)
        where TConsumer : class, IConsumer<Batch<TMessage>>
        where TMessage : class
    {
        bus.AddSingleton(provider => new BatchConsumerSetup<TConsumer, TMessage>(limits(provider), check));
        return bus.AddConsumer<TConsumer, BatchConsumerDefinition<TConsumer, TMessage>>();
    }

    /// <summary>Faults worth another try: lost connections, serialization failures, deadlocks, optimistic-concurrency losses.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            switch (e)
            {
                case PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation }:
                case NpgsqlException { IsTransient: true }:
                case DbUpdateConcurrencyException:
                case TimeoutException:
                    return true;
            }
        return false;
    }
}
