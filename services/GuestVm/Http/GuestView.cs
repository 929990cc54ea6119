using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Http;

/// <summary>A simulated guest: its vCPUs, the APCB it holds (masks and CRYCB bytes), how often and how long it was suspended for updates.</summary>
public sealed record GuestView(string Host, string Guest, int Vcpus, ApcbFormat Format, string Apm, string Aqm, string Adm, string Crycb,
    string? Mdev, long Version, long Updates, double SuspendedMilliseconds, DateTime? AppliedAt, IReadOnlyList<HistoryView> History);
