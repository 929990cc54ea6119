namespace Apmatrix.LoadTest;

/// <summary>One running service instance; <see cref="ProcessId"/> is null when it runs inside the caller's process.</summary>
public sealed record ServiceInstance(string Service, string Name, Uri Url, int? ProcessId);
