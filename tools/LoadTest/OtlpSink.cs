using System.Net;
using System.Net.Sockets;

namespace Apmatrix.LoadTest;

/// <summary>
/// An OTLP receiver over HTTP/protobuf on a loopback port, so that the services' exporters have somewhere to send: it
/// answers every <c>POST</c> with 200 and counts per path (<c>/v1/traces</c>, <c>/v1/metrics</c>) the requests, the
/// bytes and the spans or metrics in them, by service.
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    readonly HttpListener _listener = new();
    readonly Dictionary<string, Counts> _received = new(StringComparer.Ordinal);
    readonly Task _serving;

    OtlpSink(Uri endpoint)
    {
        Endpoint = endpoint;
        _listener.Prefixes.Add(endpoint.ToString());
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>How often the services export their metrics here.</summary>
    public const int MetricExportIntervalMs = 5000;

    /// <summary>The base URL the services are given; their exporters append the signal's path.</summary>
    public Uri Endpoint { get; }

    public static OtlpSink Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new OtlpSink(new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>The services' settings for OTLP export here; the sampling stays the services' default.</summary>
    public IReadOnlyList<(string Key, string Value)> Settings =>
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint.ToString().TrimEnd('/')),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        // The default 60 s would export metrics at most once or twice in a run; every 5 s puts their cost inside the timed scans.
        ("OTEL_METRIC_EXPORT_INTERVAL", MetricExportIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>What a service with telemetry off is given, whatever the tool's own environment says.</summary>
    public static IReadOnlyList<(string Key, string Value)> Off => [("OTEL_EXPORTER_OTLP_ENDPOINT", ""), ("Telemetry__Console", "false")];

    /// <summary>What arrived so far, per path.</summary>
    public OtlpReceived Received()
    {
        lock (_received)
            return new OtlpReceived(Endpoint.ToString(), _received.OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => new OtlpPath(r.Key, r.Value.Requests, r.Value.Bytes, r.Value.Items,
                    r.Value.ItemsByService.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary())).ToList());
    }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    async Task AnswerAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        try
        {
            await context.Request.InputStream.CopyToAsync(body);
            // Counted before the answer, so that an exporter's flush returns only once its export is counted.
            Count(context.Request.Url?.AbsolutePath ?? "?", body.GetBuffer().AsMemory(0, (int)body.Length));
            context.Response.StatusCode = context.Request.HttpMethod == "POST" ? 200 : 405;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    void Count(string path, ReadOnlyMemory<byte> body)
    {
        var items = OtlpRequest.ItemsByService(body);
        lock (_received)
        {
            if (!_received.TryGetValue(path, out var counts)) _received[path] = counts = new Counts();
            counts.Requests++;
            counts.Bytes += body.Length;
            foreach (var (service, count) in items)
            {
                counts.Items += count;
                counts.ItemsByService[service] = counts.ItemsByService.GetValueOrDefault(service) + count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }

    sealed class Counts
    {
        public long Requests;
        public long Bytes;
        public long Items;
        public Dictionary<string, long> ItemsByService { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>What the sink at <paramref name="Endpoint"/> received, per path.</summary>
public sealed record OtlpReceived(string Endpoint, IReadOnlyList<OtlpPath> Paths);

/// <summary>One path's requests, bytes and items: spans for <c>/v1/traces</c>, metrics for <c>/v1/metrics</c>.</summary>
public sealed record OtlpPath(string Path, long Requests, long Bytes, long Items, IReadOnlyDictionary<string, long> ItemsByService);
