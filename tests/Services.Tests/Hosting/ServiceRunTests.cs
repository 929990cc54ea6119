using Apmatrix.GuestVm;
using Apmatrix.Hosting;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Builder;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>A setting a service cannot use stops it before it starts: exit code 1 and one line naming the setting (a stack trace is many).</summary>
public sealed class ServiceRunTests
{
    // Well-formed and unreachable: a run that got past its settings would wait for these, and the test would time out.
    static readonly string[] Servers =
    [
        "--ConnectionStrings:Postgres=Host=127.0.0.1;Port=1;Username=u;Password=p",
        "--ConnectionStrings:RabbitMq=amqp://u:p@127.0.0.1:1/v",
        "--Services:ApBusKey=key",
    ];

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "GuestVm", "Guests:DefaultVcpus=-1", "Guests:DefaultVcpus must be 1.." },
        { "GuestVm", "Guests:DefaultVcpus=abc", "'Guests:DefaultVcpus'" },
        { "GuestVm", "ConnectionStrings:Postgres=garbage", "ConnectionStrings:Postgres is not a connection string" },
        { "GuestVm", "ConnectionStrings:RabbitMq=notaurl", "ConnectionStrings:RabbitMq is not an amqp:// URL" },
        { "GuestVm", "Secrets:Directory=/nonexistent-apmatrix-secrets", "Secrets:Directory: folder" },
        { "GuestVm", "Messaging:DeliveryLimit=0", "Messaging:DeliveryLimit" },
        { "GuestVm", "Messaging:QueuePrefix=Test_", "Messaging:QueuePrefix: 'Test_'" },
        { "VfioAp", "Messaging:QueuePrefix=audit-", "without an 'audit' part" },
        { "VfioAp", "Messaging:QueuePrefix=test", "ending in '-'" },
        { "VfioAp", "Services:ApBus=notaurl", "Services:ApBus is not an http(s) URL" },
        { "VfioAp", "BusEvents:Lanes=0", "BusEvents:Lanes" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Should_stop_with_one_line_naming_the_setting(string service, string setting, string named)
    {
        string[] args = [.. Servers, $"--{setting}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=None"];
        Func<WebApplication> build = service == "GuestVm" ? () => GuestVmApp.Build(args) : () => VfioApApp.Build(args);
        var error = new StringWriter();

        var exit = await ServiceRun.RunAsync(build, error).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot start: ", line);
        Assert.Contains(named, line);
        Assert.DoesNotContain("Password=p", line);
    }

    [Fact]
    public async Task Should_stop_with_one_line_when_its_port_is_taken()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        string[] args =
        [
            .. Servers, $"--urls=http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}", "--Logging:LogLevel:Default=None",
            $"--Auth:Clients:ops:KeySha256={ApiKeys.Sha256Hex("k")}", "--Auth:Clients:ops:Role=operator",
        ];
        var error = new StringWriter();

        var exit = await ServiceRun.RunAsync(() => GuestVmApp.Build(args), error).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot start: ", line);
        Assert.Contains("address already in use", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Should_name_each_cause_once_on_one_line()
    {
        var wrapped = new InvalidOperationException("bus creation failed", new FormatException("'x' is\nnot a number"));

        Assert.Equal("bus creation failed: 'x' is not a number", ServiceRun.Describe(wrapped));
    }
}
