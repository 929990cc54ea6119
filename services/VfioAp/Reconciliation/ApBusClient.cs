using System.Net;
using System.Text.Json;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>Reads a host's AP bus snapshot from ApBus, the truth a stalled or drifted host is reconciled with.</summary>
public sealed class ApBusClient(HttpClient http)
{
    public const string DefaultBaseAddress = "http://127.0.0.1:5101";

    /// <summary>The host's snapshot, or null when ApBus knows no such host.</summary>
    public async Task<ApBusSnapshot?> GetSnapshotAsync(string hostId, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"hosts/{Uri.EscapeDataString(hostId)}/snapshot", cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ApBusUnavailableException($"ApBus could not be asked for host {hostId}'s snapshot: {e.Message}", e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode)
                throw new ApBusUnavailableException($"ApBus answered the snapshot of host {hostId} with {(int)response.StatusCode}");
            try
            {
                var snapshot = await response.Content.ReadFromJsonAsync<ApBusSnapshot>(cancellationToken)
                    ?? throw new ApBusUnavailableException($"ApBus sent an empty snapshot of host {hostId}");
                snapshot.ToTruth(applied: 0);
                return snapshot;
            }
            catch (Exception e) when (e is JsonException or FormatException or NotSupportedException)
            {
                throw new ApBusUnavailableException($"ApBus's snapshot of host {hostId} does not read: {e.Message}", e);
            }
        }
    }
}
