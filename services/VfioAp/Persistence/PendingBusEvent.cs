using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>
/// A bus event stored until every earlier event of its host has been applied. Queue events keep only the
/// APQN and driver; the rare configuration and mask events and the grouped queue events keep their message as JSON.
/// </summary>
public sealed class PendingBusEvent
{
    public required string HostId { get; init; }
    public long Sequence { get; init; }
    public BusEventKind Kind { get; init; }
    public int? Apqn { get; init; }
    public BoundDriver? Driver { get; init; }

    /// <summary>The message as JSON: written only when the event is parked, read when a parked one is applied.</summary>
    public string? Body
    {
        get => _body ??= _message is null ? null : JsonSerializer.Serialize(_message, _message.GetType(), Wire.Options);
        init => _body = value;
    }

    // The message as it arrived: a check or an event applied at once never turns it into JSON and back.
    IBusEvent? _message;
    string? _body;

    IBusEvent Message { init => _message = value; }

    /// <summary>Reads the event as the engine will: a malformed one throws <see cref="FormatException"/>.</summary>
    public static PendingBusEvent From(IBusEvent message)
    {
        if (Names.Problem("host", message.HostId) is { } problem) throw new FormatException($"bus event: {problem}");
        if (message.Sequence < 1) throw new FormatException($"host {message.HostId}: sequence {message.Sequence} is not positive");
        return message switch
        {
            ConfigChanged m => WithBody(m, BusEventKind.ConfigChanged, CheckConfig(m.Current) && CheckConfig(m.Previous)),
            QueueProbed m => WithQueue(m, BusEventKind.QueueProbed, m.Apqn, m.Driver),
            QueueRemoved m => WithQueue(m, BusEventKind.QueueRemoved, m.Apqn, m.Driver),
            ScanComplete m => new() { HostId = m.HostId, Sequence = m.Sequence, Kind = BusEventKind.ScanComplete },
            BusMasksChanged m => WithBody(m, BusEventKind.BusMasksChanged, CheckMask(m.Apmask) && CheckMask(m.Aqmask)),
            QueuesProbed m => WithRuns(m, BusEventKind.QueuesProbed, m.Runs?.Select(r => (r?.First, r?.Last)).ToList()),
            QueuesRemoved m => WithRuns(m, BusEventKind.QueuesRemoved, m.Runs?.Select(r => (r?.First, r?.Last)).ToList()),
            _ => throw new FormatException($"{message.GetType().Name} is not an AP bus event"),
        };
    }

    /// <summary>Throws <see cref="FormatException"/> for an event the engine could not read.</summary>
    public static void Check(IBusEvent message) => From(message);

    public T Read<T>() where T : class => _message as T ?? JsonSerializer.Deserialize<T>(Body ?? "null", Wire.Options)
        ?? throw new InvalidOperationException($"pending event {HostId}#{Sequence} has no body");

    static PendingBusEvent WithBody<T>(T message, BusEventKind kind, bool valid) where T : IBusEvent =>
        valid
            ? new() { HostId = message.HostId, Sequence = message.Sequence, Kind = kind, Message = message }
            : throw new FormatException($"host {message.HostId}: {kind} #{message.Sequence} carries malformed masks");

    static PendingBusEvent WithQueue(IBusEvent message, BusEventKind kind, string? apqn, BoundDriver driver) =>
        ApModel.Apqn.TryParse(apqn, out var parsed)
            ? new() { HostId = message.HostId, Sequence = message.Sequence, Kind = kind, Apqn = parsed.Value, Driver = driver }
            : throw new FormatException($"host {message.HostId}: {InputText.Quote(apqn)} in {kind} #{message.Sequence} is not an APQN");

    // Bounded as ApBus bounds them, so one message can neither be huge nor make the engine loop for long.
    static PendingBusEvent WithRuns<T>(T message, BusEventKind kind, List<(string? First, string? Last)>? runs) where T : IBusEvent
    {
        if (runs is null || runs.Count == 0) throw new FormatException($"host {message.HostId}: {kind} #{message.Sequence} carries no queues");
        if (runs.Count > ApqnRuns.MaxRuns)
            throw new FormatException($"host {message.HostId}: {kind} #{message.Sequence} carries {runs.Count} runs, more than {ApqnRuns.MaxRuns}");
        var queues = 0;
        for (var i = 0; i < runs.Count; i++)
        {
            if (ApqnRuns.TryRead(runs[i].First, runs[i].Last, out var from, out var to) is { } fault)
                throw new FormatException($"host {message.HostId}: run {i + 1} of {kind} #{message.Sequence}: {fault}");
            queues += ApqnRuns.Count(from, to);
        }
        if (queues > ApqnRuns.MaxQueues)
            throw new FormatException($"host {message.HostId}: {kind} #{message.Sequence} carries {queues} queues, more than {ApqnRuns.MaxQueues}");
        return new() { HostId = message.HostId, Sequence = message.Sequence, Kind = kind, Message = message };
    }

    static bool CheckConfig(ApConfigInfo? config) =>
        config is { MaxAdapter: >= 0 and < Bitmap256.Capacity, MaxDomain: >= 0 and < Bitmap256.Capacity }
        && CheckMask(config.Apm) && CheckMask(config.Aqm) && CheckMask(config.Adm);

    static bool CheckMask(string? mask) => mask is not null && Bitmap256.TryParseMsb0Hex(mask, out _, out _);
}
