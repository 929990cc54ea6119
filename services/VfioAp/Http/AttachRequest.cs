namespace Apmatrix.VfioAp.Http;

/// <summary><c>POST .../attach</c>: the guest that gets the mdev.</summary>
public sealed record AttachRequest(string? Guest);
