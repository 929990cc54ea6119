using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>What one attempt at a batch applied, kept until its commit so a rolled-back attempt counts nothing.</summary>
public sealed class BusEventTally
{
    public Dictionary<BusEventKind, (long Messages, long Queues)> ByKind { get; } = [];
    public long DeferredProbes { get; private set; }

    public void Add(BusEventKind kind, BusEventEffect effect)
    {
        var (messages, queues) = ByKind.GetValueOrDefault(kind);
        ByKind[kind] = (messages + 1, queues + effect.Queues);
        DeferredProbes += effect.DeferredProbes;
    }
}
