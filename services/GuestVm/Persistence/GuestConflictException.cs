namespace Apmatrix.GuestVm.Persistence;

/// <summary>A guest refused a definition change; nothing changed.</summary>
public sealed class GuestConflictException(string message) : Exception(message);
