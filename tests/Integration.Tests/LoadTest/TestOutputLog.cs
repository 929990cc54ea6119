using System.Text;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Apmatrix.Integration.Tests.LoadTest;

/// <summary>
/// A test's output as the load run's log and as a logger for the in-process services, so a failed stack test shows
/// in CI where it stood; lines written after the test ended are dropped.
/// </summary>
public sealed class TestOutputLog(ITestOutputHelper output) : TextWriter, ILoggerProvider
{
    readonly Lock _gate = new();
    readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
            if (value == '\n') Emit();
            else _line.Append(value);
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            _line.Append(value);
            Emit();
        }
    }

    void Emit()
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {_line.ToString().TrimEnd('\r')}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended and closed its output; a late line from a stopping service has nowhere to go.
        }
        _line.Clear();
    }

    ILogger ILoggerProvider.CreateLogger(string categoryName) => new Logger(this, categoryName);

    sealed class Logger(TestOutputLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            log.WriteLine($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
        }
    }
}
