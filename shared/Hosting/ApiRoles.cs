namespace Apmatrix.Hosting;

/// <summary>The roles an API client has (<c>Auth:Clients:{name}:Role</c>): a viewer reads, an operator changes, a service calls where it is named.</summary>
public static class ApiRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Service = "service";

    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Service];
}
