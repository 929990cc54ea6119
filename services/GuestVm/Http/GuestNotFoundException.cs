namespace Apmatrix.GuestVm.Http;

/// <summary>No such guest on the host: a read refused as not-found.</summary>
public sealed class GuestNotFoundException(string message) : Exception(message);
