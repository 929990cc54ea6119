namespace Apmatrix.VfioAp.Http;

/// <summary><c>PUT /hosts/{host}</c>: the hot-plug mode, <c>batched</c> (default) or <c>per-queue</c>.</summary>
public sealed record HostRequest(string? Mode = null);
