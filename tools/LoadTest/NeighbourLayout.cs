using Apmatrix.ApModel;

namespace Apmatrix.LoadTest;

/// <summary>
/// A neighbour: a small host beside the run's big ones, 4 adapters x 4 domains configured at set-up, one mdev holding adapters
/// 0-4 and domains 0-3 attached to one guest of 1 vCPU, in batched mode with grouped events. Its changes add and remove adapter
/// 4 in turn; each gives the guest exactly one update (added: at scan complete, after the probes; removed: at config changed).
/// </summary>
public static class NeighbourLayout
{
    /// <summary>The adapter the changes add and remove; the mdev holds it all along.</summary>
    public const int Toggled = 4;

    /// <summary>The neighbour as a run's layout: mdev 0 holds every adapter (0-4) and every domain (0-3); its full configuration has adapter 4.</summary>
    public static readonly LoadOptions Layout = new() { Adapters = Toggled + 1, Domains = 4, Guests = 1, Vcpus = 1 };

    public static string Guest => LoadOptions.GuestName(0);

    /// <summary>The configuration set up before any change: adapters 0-3 x domains 0-3.</summary>
    public static ApConfig SetUp => Layout.Full with { Apm = Layout.Full.Apm.Without(Toggled) };

    /// <summary>Change <paramref name="change"/> (from 0) adds adapter 4 when even and removes it when odd.</summary>
    public static ApConfig ConfigOfChange(int change) => change % 2 == 0 ? Layout.Full : SetUp;
}
