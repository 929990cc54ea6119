using System.Net;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>
/// A service on a loopback port that answers every request with <paramref name="answer"/> (a 503 or 429 with
/// <c>Retry-After: <paramref name="retryAfterSeconds"/></c> when given), naming itself <paramref name="service"/> as the services do
/// when given, and records what it was sent.
/// </summary>
public sealed class FakeService : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Func<string, string, string, (int Status, string Body)> _answer;
    readonly int? _retryAfterSeconds;
    readonly string? _service;

    public FakeService(Func<string, string, string, (int Status, string Body)> answer, int? retryAfterSeconds = null, string? service = null,
        List<string>? requests = null)
    {
        (_answer, _retryAfterSeconds, _service, Requests) = (answer, retryAfterSeconds, service, requests ?? []);
        Url = new LoopbackPorts().Next();
        _listener.Prefixes.Add($"{Url}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public Uri Url { get; }

    /// <summary>Each request as <c>METHOD /path body</c>, in the order they came.</summary>
    public List<string> Requests { get; }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var (method, path) = (context.Request.HttpMethod, context.Request.Url!.AbsolutePath);
            lock (Requests) Requests.Add($"{method} {path} {body}".TrimEnd());
            var (status, text) = _answer(method, path, body);
            context.Response.StatusCode = status;
            if (status is 503 or 429 && _retryAfterSeconds is { } seconds) context.Response.Headers["Retry-After"] = seconds.ToString();
            if (_service is not null) context.Response.Headers[Apmatrix.Contracts.ServiceHeader.Name] = _service;
            context.Response.ContentType = "application/json";
            await using (var output = context.Response.OutputStream)
                await output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text));
        }
    }

    public void Dispose() => _listener.Close();
}

/// <summary>ApBus, VfioAp and GuestVm as three <see cref="FakeService"/>s that answer alike, each naming itself; their requests in one list.</summary>
public sealed class FakeStack : IDisposable
{
    public FakeStack(Func<string, string, string, (int Status, string Body)> answer, int? retryAfterSeconds = null) =>
        (ApBus, VfioAp, GuestVm) = (new(answer, retryAfterSeconds, "ApBus", Requests), new(answer, retryAfterSeconds, "VfioAp", Requests),
            new(answer, retryAfterSeconds, "GuestVm", Requests));

    public FakeService ApBus { get; }
    public FakeService VfioAp { get; }
    public FakeService GuestVm { get; }

    /// <summary>Each request to any of the three, as <see cref="FakeService.Requests"/> holds them.</summary>
    public List<string> Requests { get; } = [];

    public void Dispose()
    {
        ApBus.Dispose();
        VfioAp.Dispose();
        GuestVm.Dispose();
    }
}
