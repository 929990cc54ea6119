namespace Apmatrix.LoadTest;

/// <summary>Peak depths and when each backlog was last seen non-empty, in milliseconds from the config change.</summary>
public sealed record BacklogSummary(int Samples, long ApBusOutboxPeak, double ApBusOutboxLastBusyMs, long BusQueuesPeak,
    double BusQueuesLastBusyMs, long ApplyApcbPeak, double ApplyApcbLastBusyMs, long VfioApOutboxPeak, long GuestVmOutboxPeak);
