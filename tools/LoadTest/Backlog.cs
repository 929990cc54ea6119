using System.Diagnostics;
using Npgsql;
using RabbitMQ.Client;

namespace Apmatrix.LoadTest;

/// <summary>
/// Where the messages of a scan wait, sampled while it runs: rows in each service's outbox table and
/// messages in the services' queues. Where a backlog builds and how long it takes to drain says which
/// hop dominates. Read-only; the queues' and tables' names are the ones docs/ARCHITECTURE.md gives.
/// </summary>
public sealed class Backlog(Servers servers, IReadOnlyDictionary<string, string> databases, string queuePrefix)
{
    /// <summary>Each look costs the broker a declaration per queue and each database a count: every 200 ms, 2 % of a full-scale scan's rate.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Samples until <paramref name="stop"/> is cancelled; times are milliseconds on <paramref name="clock"/>.</summary>
    public async Task<BacklogSummary> WatchAsync(Stopwatch clock, double start, CancellationToken stop)
    {
        var samples = new List<Sample>();
        await using var connection = await new ConnectionFactory { Uri = servers.Broker }.CreateConnectionAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
        try
        {
            do
            {
                var at = clock.Elapsed.TotalMilliseconds - start;
                long busQueues = 0;
                foreach (var queue in EventQueues.All) busQueues += await DepthAsync(channel, queue);
                samples.Add(new Sample(at, await OutboxAsync("apbus"), busQueues, await OutboxAsync("vfioap"), await DepthAsync(channel, "apply-apcbs"),
                    await OutboxAsync("guestvm")));
                await Task.Delay(Interval, stop);
            } while (!stop.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return new BacklogSummary(samples.Count,
            samples.Max(s => s.ApBusOutbox), LastBusy(samples, s => s.ApBusOutbox),
            samples.Max(s => s.BusQueues), LastBusy(samples, s => s.BusQueues),
            samples.Max(s => s.ApplyApcbs), LastBusy(samples, s => s.ApplyApcbs),
            samples.Max(s => s.VfioApOutbox), samples.Max(s => s.GuestVmOutbox));
    }

    /// <summary>When the backlog was last seen non-empty: it drained within one interval after that.</summary>
    static double LastBusy(List<Sample> samples, Func<Sample, long> depth) =>
        samples.LastOrDefault(s => depth(s) > 0).At;

    readonly record struct Sample(double At, long ApBusOutbox, long BusQueues, long VfioApOutbox, long ApplyApcbs, long GuestVmOutbox);

    async Task<long> DepthAsync(IChannel channel, string queue) =>
        (await channel.QueueDeclarePassiveAsync(queuePrefix + queue)).MessageCount;

    async Task<long> OutboxAsync(string service)
    {
        // As the service's own role, which owns what the name resolves to there: never the admin.
        await using var connection = new NpgsqlConnection(servers.DatabaseOf(service, databases[service]));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM outbox_messages", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
