namespace Apmatrix.Dashboard.Http;

/// <summary>The service read answered 404 (no such host): the dashboard answers 404 with the service's own detail.</summary>
public sealed class ServiceNotFoundException(string message) : Exception(message);
