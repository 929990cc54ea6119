using System.Data.Common;
using Apmatrix.VfioAp;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// A VfioAp whose next commit fails once with a serialization failure, as a competing instance can cause: the
/// batch is retried (maybe in the same scope) and must apply the scan once, as if nothing had happened.
/// </summary>
[Collection("stack")]
public class Retrying_a_failed_commit(StackFixture stack)
{
    [Fact]
    public async Task Should_apply_the_scan_once_when_a_commit_fails_and_is_retried()
    {
        var fault = new CommitFault();
        var app = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "fault",
            builder => builder.Services.ConfigureDbContext<VfioApDbContext>(options => options.AddInterceptors(fault)));
        try
        {
            var host = VfioApi.NewHost();
            using var api = new VfioApi(stack.Client(new Uri(app.Urls.First())), host);
            await using var bus = await BusEventSender.OpenAsync(stack.Servers);
            await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
            await api.MdevAsync("m1", [1, 2], [1, 2], guest: "g1");

            fault.Arm();
            await bus.PublishAsync(BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3"));
            var shown = await api.UntilAppliedAsync(18);

            Assert.Equal(1, fault.Fired);
            Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
            Assert.Equal(16, shown.GetProperty("boundQueues").GetInt32());
            var guest = Assert.Single((await api.GuestsAsync()).EnumerateArray());
            Assert.Equal(1, guest.GetProperty("version").GetInt64());
            Assert.Equal("1-2", guest.GetProperty("apcb").GetProperty("apm").GetString());
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    sealed class CommitFault : DbTransactionInterceptor
    {
        int _armed, _fired;

        public int Fired => _fired;

        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 0) return ValueTask.FromResult(result);
            Interlocked.Increment(ref _fired);
            throw new PostgresException("injected by the test", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);
        }
    }
}
