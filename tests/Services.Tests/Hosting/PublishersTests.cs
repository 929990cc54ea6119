using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Microsoft.Extensions.Configuration;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Which broker user a consumer obeys for each contract, and which user a service connects as.</summary>
public class Publishers_of_a_contract
{
    static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void Should_default_to_the_one_service_that_publishes_it()
    {
        var none = Settings();
        Assert.Equal("apbus", Publishers.Expected<QueueProbed>(none));
        Assert.Equal("apbus", Publishers.Expected<BusMasksChanged>(none));
        Assert.Equal("vfioap", Publishers.Expected<ApplyApcbs>(none));
        Assert.Equal("guestvm", Publishers.Expected<ApcbsApplied>(none));
    }

    [Fact]
    public void Should_take_the_contract_before_its_group()
    {
        var settings = Settings(("Messaging:Publishers:BusEvents", "bus"), ("Messaging:Publishers:QueueProbed", "prober"));
        Assert.Equal("prober", Publishers.Expected<QueueProbed>(settings));
        Assert.Equal("bus", Publishers.Expected<ConfigChanged>(settings));
    }

    [Fact]
    public void Should_refuse_a_contract_nobody_may_publish() =>
        Assert.Contains("Messaging:Publishers:String", Assert.Throws<InvalidOperationException>(() => Publishers.Expected<string>(Settings())).Message);

    [Theory]
    [InlineData("amqp://vfioap:secret@127.0.0.1:5672/apmatrix", "vfioap")]
    [InlineData("amqp://a%40b:secret@127.0.0.1/", "a@b")]
    [InlineData("amqp://127.0.0.1/", "guest")]
    public void Should_name_the_user_of_the_connection(string url, string user) => Assert.Equal(user, Publishers.User(new Uri(url)));
}
