using Microsoft.AspNetCore.Builder;

namespace Apmatrix.Integration.Tests;

public static class AppShutdown
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Stops and disposes a service a test started. MassTransit 8.5's bus stop can wait forever for a receive endpoint
    /// whose connection a test cut (seen once in three runs of the broker-cut test): after a minute the service is left
    /// behind, said so on stderr, instead of holding the suite until the hang timeout ends it.
    /// </summary>
    public static async Task ShutDownAsync(this WebApplication app)
    {
        try
        {
            await app.StopAsync().WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            await Console.Error.WriteLineAsync($"a test's service at {string.Join(", ", app.Urls)} did not stop within {Patience.TotalSeconds} s; left running");
            return;
        }
        await app.DisposeAsync();
    }
}
