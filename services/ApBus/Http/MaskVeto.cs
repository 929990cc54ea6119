using Apmatrix.ApModel;

namespace Apmatrix.ApBus.Http;

/// <summary>One mask change put to VfioAp's veto (<see cref="VfioApClient"/>): its reservation, released when the change is not made.</summary>
sealed class MaskVeto(VfioApClient vfioAp, string host)
{
    readonly Guid _reservation = Guid.CreateVersion7();
    bool _asked;

    /// <summary>Reserves <paramref name="next"/> at VfioAp, or throws its veto; <paramref name="lastSequence"/> is the host's last event before the change.</summary>
    public Task AskAsync(ApPermissions next, long lastSequence, CancellationToken cancellationToken)
    {
        _asked = true;
        return vfioAp.ReserveMaskChangeAsync(host, next, lastSequence, _reservation, cancellationToken);
    }

    public Task ReleaseIfAskedAsync() => _asked ? vfioAp.ReleaseMaskChangeAsync(host, _reservation) : Task.CompletedTask;
}
