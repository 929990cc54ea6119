using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Integration.Tests;

/// <summary>What the service logs at <c>minimum</c> (Warning unless told) and above, with the exception each line carries.</summary>
public sealed class LogLines(LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    readonly ConcurrentQueue<(LogLevel Level, string Text, Exception? Exception)> _lines = new();

    public IReadOnlyCollection<(LogLevel Level, string Text, Exception? Exception)> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(_lines, minimum);

    public void Dispose()
    {
    }

    sealed class Logger(ConcurrentQueue<(LogLevel, string, Exception?)> lines, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, formatter(state, exception), exception));
    }
}
