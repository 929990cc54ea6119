using Microsoft.Extensions.Logging;

namespace Apmatrix.Services.Tests;

/// <summary>Keeps every line logged, with its level and exception, for a test to count; safe from a background loop.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    readonly List<(LogLevel Level, string Text, Exception? Exception)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Text, Exception? Exception)> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add((logLevel, formatter(state, exception), exception));
    }
}
