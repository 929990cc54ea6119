using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Apmatrix.Integration.Tests.Dashboard;

/// <summary>
/// Debian's headless Chromium (installed by scripts/browser.sh) with one page, driven over the DevTools protocol on one
/// WebSocket (flattened target sessions): navigate, evaluate, move the mouse, take a screenshot. Its profile is a fresh
/// empty folder, deleted with the browser.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string Path = "/usr/bin/chromium";
    const int Width = 1400, Height = 1100;

    readonly Process _process;
    readonly string _profile;
    readonly ClientWebSocket _socket = new();
    readonly SemaphoreSlim _sending = new(1, 1);
    readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    readonly ConcurrentQueue<string> _pageErrors = new();
    readonly CancellationTokenSource _stop = new();
    Task _receiving = Task.CompletedTask;
    string _session = "";
    int _nextId;

    /// <summary>What the page threw or logged as an error, to name in a failure.</summary>
    public IEnumerable<string> PageErrors => _pageErrors;

    Chromium(Process process, string profile) => (_process, _profile) = (process, profile);

    public static async Task<Chromium> StartAsync()
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: scripts/browser.sh installs Debian's chromium (scripts/test.sh runs it)");
        var profile = Directory.CreateTempSubdirectory("apmatrix-chromium-").FullName;
        var start = new ProcessStartInfo(Path) { RedirectStandardError = true, RedirectStandardOutput = true };
        // Without the background-networking flags Chromium's own connections are refused by a closed network and it stalls.
        foreach (var flag in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", $"--user-data-dir={profile}",
                     $"--window-size={Width},{Height}", "about:blank",
                 })
            start.ArgumentList.Add(flag);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new Chromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    async Task ConnectAsync()
    {
        // Chromium writes the port it chose and the browser's socket path once it listens.
        var activePort = System.IO.Path.Combine(_profile, "DevToolsActivePort");
        var lines = await Eventually.ReadAsync(async () => File.Exists(activePort) ? await File.ReadAllLinesAsync(activePort) : [],
            l => l.Length >= 2 || _process.HasExited, "Chromium to write DevToolsActivePort", TimeSpan.FromSeconds(60));
        if (_process.HasExited) Assert.Fail($"Chromium exited with {_process.ExitCode} before it listened");
        await _socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0]}{lines[1]}"), _stop.Token);
        _receiving = Task.Run(ReceiveAsync);
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, session: null);
        var attached = await SendAsync("Target.attachToTarget",
            new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true }, session: null);
        _session = attached.GetProperty("sessionId").GetString()!;
        await SendAsync("Runtime.enable");
        await SendAsync("Page.enable");
        await SendAsync("Emulation.setDeviceMetricsOverride",
            new JsonObject { ["width"] = Width, ["height"] = Height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
    }

    /// <summary>Opens <paramref name="url"/> and waits for the document and its deferred script to have run.</summary>
    public async Task NavigateAsync(string url)
    {
        var navigated = await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        Assert.False(navigated.TryGetProperty("errorText", out var error), $"navigating to the page failed: {error}");
        await Eventually.TrueAsync(async () => await EvaluateAsync<string>("document.readyState") == "complete", "the page to load");
    }

    /// <summary>The value of a JavaScript expression in the page (a promise is awaited); a thrown exception fails the test.</summary>
    public async Task<T> EvaluateAsync<T>(string expression)
    {
        var answer = await SendAsync("Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (answer.TryGetProperty("exceptionDetails", out var exception)) Assert.Fail($"the page threw evaluating {expression}: {exception}");
        return answer.GetProperty("result").GetProperty("value").Deserialize<T>(JsonSerializerOptions.Web)!;
    }

    /// <summary>Moves the mouse to the viewport point, as a user hovering there.</summary>
    public Task MoveMouseAsync(double x, double y) =>
        SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mouseMoved", ["x"] = x, ["y"] = y });

    public async Task<byte[]> ScreenshotAsync() =>
        Convert.FromBase64String((await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" })).GetProperty("data").GetString()!);

    Task<JsonElement> SendAsync(string method, JsonObject? parameters = null) => SendAsync(method, parameters, _session);

    async Task<JsonElement> SendAsync(string method, JsonObject? parameters, string? session)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (session is not null) message["sessionId"] = session;
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        }
        finally
        {
            _sending.Release();
        }
        return await answer.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage) continue;
                Dispatch(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The browser closed or is being disposed: whatever still waits fails below.
        }
        foreach (var waiting in _pending.Values) waiting.TrySetException(new InvalidOperationException("the DevTools connection closed"));
    }

    void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("id", out var id))
        {
            if (!_pending.TryRemove(id.GetInt32(), out var answer)) return;
            if (message.TryGetProperty("error", out var error)) answer.SetException(new InvalidOperationException($"DevTools refused: {error}"));
            else answer.SetResult(message.GetProperty("result"));
            return;
        }
        var method = message.GetProperty("method").GetString();
        if (method == "Runtime.exceptionThrown" ||
            (method == "Runtime.consoleAPICalled" && message.GetProperty("params").GetProperty("type").GetString() == "error"))
            _pageErrors.Enqueue(message.GetProperty("params").ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiving;
        }
        finally
        {
            _socket.Dispose();
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
            Directory.Delete(_profile, recursive: true);
        }
    }
}
