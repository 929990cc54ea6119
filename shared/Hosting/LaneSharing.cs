using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>
/// Shares a consumer's <see cref="HostLanes"/> among the instances that consume them. RabbitMQ 3.10's single active
/// consumer gives a lane to whichever instance subscribed first, so the first instance up would take every lane and the
/// others only stand by. Once every lane of this instance is subscribed, it holds a member slot: a session advisory lock
/// in the service's database, which the server drops with the session. The members split the lanes by slot
/// (<see cref="HostLanes.NotOwnedBy"/>), and whenever the members change each one subscribes again to the lanes that are
/// not its own, which puts it at the back of their line, behind the lane's owner. Order and exactly-once never rest on
/// this: a lane still has one active consumer, and the lanes of a member that dies pass to the next in line at once.
/// </summary>
public sealed class LaneSharing<TContext> : BackgroundService, IReceiveEndpointObserver where TContext : DbContext
{
    /// <summary>
    /// The first key of a member slot's advisory lock. The second holds the lanes' exchange name with its queue prefix
    /// hashed into its upper 23 bits and the slot in its lowest 8: instances of another lane set on the same database
    /// (another queue prefix) are not members of this one.
    /// </summary>
    public const int MemberClass = 0x0b0d;
    const string SetOf = "(hashtext($1) & 8388607)::bigint << 8";

    /// <summary>How soon a change of members is seen: a new instance takes its share this long after it is up.</summary>
    static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    readonly HostLanes _lanes;
    readonly IServiceScopeFactory _scopes;
    readonly TimeProvider _clock;
    readonly ILogger<LaneSharing<TContext>> _log;
    readonly Dictionary<string, int> _laneOfQueue;
    readonly string _set;
    readonly ConcurrentDictionary<int, IReceiveEndpoint> _endpoints = new();

    /// <summary>The lanes this instance owns by the last share it acted on; none before it is a member.</summary>
    int _owned;

    public LaneSharing(HostLanes lanes, string prefix, IServiceScopeFactory scopes, ServiceMeter meter, TimeProvider clock, ILogger<LaneSharing<TContext>> log)
    {
        (_lanes, _scopes, _clock, _log) = (lanes, scopes, clock, log);
        _laneOfQueue = Enumerable.Range(0, lanes.Count).ToDictionary(lane => prefix + lanes.Queue(lane), lane => lane);
        _set = prefix + lanes.Name;
        meter.Meter.CreateObservableGauge(meter.Name("lanes.owned"), () => new Measurement<int>(Volatile.Read(ref _owned), new KeyValuePair<string, object?>("lanes", lanes.Name)),
            "{lane}", "Lanes this instance owns among the instances sharing them; it stands by for the others");
    }

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (_laneOfQueue.TryGetValue(ready.InputAddress.Segments[^1], out var lane)) _endpoints[lane] = ready.ReceiveEndpoint;
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;
    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;
    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var outage = new Outage(_log, $"sharing the lanes of {_lanes.Name} with the other instances", _clock);
        NpgsqlConnection? session = null;
        var (slot, shared) = (-1, (IReadOnlyList<int>)[]);
        using var timer = new PeriodicTimer(Poll, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A member must already be in every lane's line, or the others would give lanes to no one.
                if (_endpoints.Count < _lanes.Count) continue;
                try
                {
                    if (session is not { State: ConnectionState.Open })
                    {
                        if (session is not null) await session.DisposeAsync();
                        session = await OpenAsync(stoppingToken);
                        slot = await JoinAsync(session, _set, stoppingToken);
                    }
                    var members = await MembersAsync(session, _set, stoppingToken);
                    if (!members.Contains(slot)) throw new InvalidOperationException($"member slot {slot} is no longer held by this instance");
                    outage.Succeeded();
                    if (members.SequenceEqual(shared)) continue;
                    var others = _lanes.NotOwnedBy(slot, members);
                    _log.LogInformation("{Lanes}: {Members} instance(s) share the {Count} lanes; this one (slot {Slot}) takes {Own} and subscribes again to the others",
                        _lanes.Name, members.Count, _lanes.Count, slot, _lanes.Count - others.Count);
                    await Task.WhenAll(others.Select(lane => _endpoints[lane].RestartAsync(stoppingToken)));
                    shared = members;
                    Volatile.Write(ref _owned, _lanes.Count - others.Count);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // Joined afresh once the database answers; meanwhile the lanes stay as they are, and so does the count of them.
                    if (session is not null) await session.DisposeAsync();
                    (session, shared) = (null, []);
                    await Task.Delay(outage.Failed(e), _clock, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (session is not null) await session.DisposeAsync();
        }
    }

    /// <summary>
    /// A connection of its own, held for as long as this instance is a member: its session holds the slot. Not pooled, so
    /// that giving it up ends the session and frees the slot, where a pooled one would keep it until reused.
    /// </summary>
    async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(scope.ServiceProvider.GetRequiredService<TContext>().Database.GetConnectionString())
            { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Takes the lowest free slot of the lane set; the statement stops at the first lock it gets.</summary>
    static async Task<int> JoinAsync(NpgsqlConnection session, string set, CancellationToken cancellationToken)
    {
        await using var join = new NpgsqlCommand(
            $"SELECT s FROM generate_series(0, {HostLanes.MaxCount - 1}) AS s WHERE pg_try_advisory_lock({MemberClass}, (({SetOf}) | s)::int) LIMIT 1",
            session) { Parameters = { new() { Value = set } } };
        return await join.ExecuteScalarAsync(cancellationToken) as int?
            ?? throw new InvalidOperationException($"all {HostLanes.MaxCount} member slots of {MemberClass:x} are held");
    }

    /// <summary>The slots of the lane set held in this database, this session's among them.</summary>
    static async Task<List<int>> MembersAsync(NpgsqlConnection session, string set, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand($"""
            SELECT (objid::bigint & 255)::int FROM pg_locks
            WHERE locktype = 'advisory' AND classid = {MemberClass} AND objsubid = 2 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND objid::bigint >> 8 = {SetOf} >> 8
            ORDER BY 1
            """, session) { Parameters = { new() { Value = set } } };
        var members = new List<int>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) members.Add(reader.GetInt32(0));
        return members;
    }
}
