namespace Apmatrix.Apctl.Cli;

/// <summary>What apctl's exit status tells a script.</summary>
public static class ExitCodes
{
    public const int Done = 0;
    /// <summary>The rules refused it (in use, reserved, busy, not found, not permitted), or a scenario's expectations were unmet.</summary>
    public const int Refused = 1;
    /// <summary>Bad usage or bad input: nothing was sent, or a service rejected the request as malformed or unauthorised.</summary>
    public const int BadInput = 2;
    /// <summary>A service could not be reached, or is not ready.</summary>
    public const int Unavailable = 3;
}

/// <summary>Ends a command with <see cref="ExitCode"/>; <see cref="Problem"/> is the service's problem details, when it sent one.</summary>
public sealed class ApctlException(int exitCode, string message, System.Text.Json.Nodes.JsonObject? problem = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
    public System.Text.Json.Nodes.JsonObject? Problem { get; } = problem;
}
