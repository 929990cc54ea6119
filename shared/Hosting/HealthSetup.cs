using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

public static class HealthSetup
{
    /// <summary>
    /// Readiness that tells the truth for a service with a bus and an outbox: the outbox's oldest row and each receive
    /// endpoint's consumer on the broker (with the in-process restart), thresholds from <c>Health</c>.
    /// </summary>
    public static IHealthChecksBuilder AddApmatrixHealth<TContext>(this IServiceCollection services, IConfiguration configuration)
        where TContext : DbContext
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section))
            .Validate(o => o.OutboxMaxAge > TimeSpan.Zero && o.StalledHostAfter > TimeSpan.Zero && o.ConsumerMissingAfter > TimeSpan.Zero
                && o.ConsumerPollEvery > TimeSpan.Zero && o.RepeatedLogEvery >= TimeSpan.Zero, "Health: every interval must be positive (RepeatedLogEvery may be 0: every repeat is logged)")
            .ValidateOnStart();
        services.AddSingleton(provider => new LogThrottle(provider.GetRequiredService<IOptions<HealthOptions>>().Value.RepeatedLogEvery));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<ConsumerWatchdog>(provider,
            new Uri(configuration.GetConnectionString("RabbitMq") ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not set"))));
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<ConsumerWatchdog>());
        services.AddHostedService(provider => provider.GetRequiredService<ConsumerWatchdog>());
        services.AddOutboxBacklog<TContext>();
        services.AddSingleton<IHealthCheckPublisher, HealthLog>();
        services.Configure<HealthCheckPublisherOptions>(o => o.Period = TimeSpan.FromSeconds(10));
        // The health service logs every failing check on every poll; HealthLog logs them once per interval instead.
        services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.None));
        return services.AddHealthChecks()
            .AddCheck<OutboxAgeCheck<TContext>>("outbox", tags: ["ready"])
            .AddCheck<ConsumerWatchdog>("consumers", tags: ["ready"])
            .AddCheck<BrokerCheck>("broker", tags: ["ready"]);
    }

    /// <summary>Runs <typeparamref name="TPruner"/> every <c>Retention:Every</c>; it is also resolvable, so a test can run one round.</summary>
    public static IServiceCollection AddPruner<TPruner>(this IServiceCollection services, IConfiguration configuration) where TPruner : class, IHostedService
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section))
            .Validate(o => o.KeepFor >= TimeSpan.Zero && o.Every > TimeSpan.Zero && o.BatchSize > 0 && o.Pause >= TimeSpan.Zero,
                "Retention: KeepFor and Pause must not be negative, Every and BatchSize must be positive")
            .ValidateOnStart();
        services.AddSingleton<TPruner>();
        services.AddHostedService(provider => provider.GetRequiredService<TPruner>());
        return services;
    }
}
