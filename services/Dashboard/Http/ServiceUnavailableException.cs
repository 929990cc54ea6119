namespace Apmatrix.Dashboard.Http;

/// <summary>A service could not be read (down, refused the dashboard's key, or answered what does not read): 503.</summary>
public sealed class ServiceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
