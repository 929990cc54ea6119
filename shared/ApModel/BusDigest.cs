using System.Security.Cryptography;

namespace Apmatrix.ApModel;

/// <summary>
/// A short fingerprint of what both the AP bus and vfio_ap know of a host: the configuration's masks, apmask/aqmask
/// and the queues driven by vfio_ap. Equal digests at an equal sequence number mean the two agree.
/// </summary>
public static class BusDigest
{
    const int Size = 32;

    /// <summary><paramref name="vfioApQueues"/>: per adapter id, the domains whose queues vfio_ap drives.</summary>
    public static string Of(in ApConfig config, in ApPermissions permissions, IReadOnlyList<Bitmap256> vfioApQueues)
    {
        if (vfioApQueues.Count != Bitmap256.Capacity) throw new ArgumentException("one row per adapter id is needed", nameof(vfioApQueues));
        var facts = new byte[(5 + Bitmap256.Capacity) * Size];
        // Max ids stay out: a bus defined empty announces none, so vfio_ap keeps its defaults without being wrong.
        Bitmap256[] head = [config.Apm, config.Aqm, config.Adm, permissions.Apmask, permissions.Aqmask];
        for (var i = 0; i < head.Length; i++) head[i].WriteBigEndian(facts.AsSpan(i * Size, Size));
        for (var a = 0; a < Bitmap256.Capacity; a++) vfioApQueues[a].WriteBigEndian(facts.AsSpan((head.Length + a) * Size, Size));
        return Convert.ToHexStringLower(SHA256.HashData(facts));
    }
}
