using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;

namespace Apmatrix.Hosting;

/// <summary>How many API requests a service works on at once (configuration section <c>Requests</c>); health and metrics are not counted.</summary>
public sealed class RequestLimits
{
    public const string Section = "Requests";

    /// <summary>Requests naming one host at once: its changes take the host's row lock in turn anyway, so more would only hold database connections the other hosts need.</summary>
    public int PerHost { get; set; } = 4;

    /// <summary>Requests at once over all hosts: the service's consumers and outbox draw on the same database connection pool.</summary>
    public int InAll { get; set; } = 32;

    /// <summary>Requests waiting for their turn, for each host and in all; one more is refused with 429 and Retry-After.</summary>
    public int Queue { get; set; } = 256;

    /// <summary>The seconds a refused caller is told to wait.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>The limiter <see cref="ServiceDefaults.MapDefaultEndpoints"/> puts in front of every API: per host first, then in all.</summary>
    public PartitionedRateLimiter<HttpContext> Limiter() => PartitionedRateLimiter.CreateChained(
        PartitionedRateLimiter.Create<HttpContext, string>(http => Counted(http) && http.GetRouteValue("host") is string host
            ? RateLimitPartition.GetConcurrencyLimiter(host, _ => Options(PerHost))
            : RateLimitPartition.GetNoLimiter("")),
        PartitionedRateLimiter.Create<HttpContext, string>(http => Counted(http)
            ? RateLimitPartition.GetConcurrencyLimiter("all", _ => Options(InAll))
            : RateLimitPartition.GetNoLimiter("")));

    ConcurrencyLimiterOptions Options(int permits) =>
        new() { PermitLimit = permits, QueueLimit = Queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst };

    /// <summary>Probes and scrapes answer whatever the APIs are doing.</summary>
    static bool Counted(HttpContext http) =>
        !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics");

    /// <summary>The refusal of a request that found the queue full: a problem as every refusal, nothing done.</summary>
    public static async ValueTask RefuseAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(Refusals.Problem(StatusCodes.Status429TooManyRequests, "too-many-requests", "Too many requests",
            "the service is working on as many requests as it takes, for this host or in all, and as many wait: nothing was done; send it again after Retry-After"))
            .ExecuteAsync(http);
    }

    /// <summary>
    /// Once admitted, a request's work ends as it would for a client that waited: a client that gives up cancelled its
    /// database commands, each cancel a new connection to PostgreSQL and the pooled one often broken, and clients timing
    /// out fast on one host starved every host's database (2026-12-05). A stopping service lets it finish too (its server
    /// waits for what it took, up to the shutdown timeout); the middleware before this one sees the client's own token again.
    /// </summary>
    public static async Task ShieldFromAbortAsync(HttpContext http, RequestDelegate next)
    {
        var aborted = http.RequestAborted;
        http.RequestAborted = CancellationToken.None;
        try
        {
            await next(http);
        }
        finally
        {
            http.RequestAborted = aborted;
        }
    }
}
