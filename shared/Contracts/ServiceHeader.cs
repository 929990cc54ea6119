namespace Apmatrix.Contracts;

/// <summary>
/// The response header each service's HTTP API names itself in (<c>ApBus</c>, <c>VfioAp</c>, <c>GuestVm</c>, <c>Dashboard</c>),
/// so a client given one service's address for another's says so instead of misreading its answers.
/// </summary>
public static class ServiceHeader
{
    public const string Name = "X-Apmatrix-Service";
}
