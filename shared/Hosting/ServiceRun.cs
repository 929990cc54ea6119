using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// How a service's Program runs it: a setting it cannot use, or a start that fails, stops it with one line naming the
/// cause and exit code 1, not a stack trace and an abort; a fault once it runs gives that line and the trace; a stop
/// asked for while it starts (waiting for its database or broker) exits 0.
/// </summary>
public static class ServiceRun
{
    public static async Task<int> RunAsync(Func<WebApplication> build, TextWriter? error = null)
    {
        error ??= Console.Error;
        WebApplication app;
        try
        {
            app = build();
            // The settings are checked before the host starts, where a bad one would be a failed start with its trace.
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e)
        {
            return await CannotStartAsync(e);
        }
        // Taken before the run: RunAsync disposes the host as it ends, and with it the services a later look would resolve.
        var (started, stopping) = (app.Lifetime.ApplicationStarted, app.Lifetime.ApplicationStopping);
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (!started.IsCancellationRequested)
        {
            // A start that fails (its port taken, a server it cannot use) is told in one line, as a bad setting is.
            return await CannotStartAsync(e);
        }
        catch (Exception e)
        {
            // What ends a service that was running is a fault, and its trace finds it.
            await error.WriteLineAsync($"{ServiceName()}: stopped: {Describe(e)}{Environment.NewLine}{e}");
            return 1;
        }

        async Task<int> CannotStartAsync(Exception e)
        {
            await error.WriteLineAsync($"{ServiceName()}: cannot start: {Describe(e)}");
            return 1;
        }
    }

    /// <summary>The exception's message and its causes', each once, on one line: a wrapper's own words add little to its cause's.</summary>
    public static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OptionsValidationException invalid)
            {
                messages.AddRange(invalid.Failures);
                break;
            }
            if (e is AggregateException { InnerExceptions.Count: > 1 } many)
            {
                messages.AddRange(many.InnerExceptions.Select(Describe));
                break;
            }
            messages.Add(e.Message);
        }
        return string.Join(": ", messages.Select(m => m.ReplaceLineEndings(" ").Trim()).Where(m => m.Length > 0).Distinct());
    }

    static string ServiceName() => System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "apmatrix";
}
