namespace Apmatrix.Dashboard.Http;

/// <summary><c>GET /hosts</c>: a page of the fleet in ApBus's name order; <see cref="Next"/> is the <c>after</c> of the next page, null on the last.</summary>
public sealed record FleetPageView(IReadOnlyList<FleetHostView> Hosts, string? Next);
