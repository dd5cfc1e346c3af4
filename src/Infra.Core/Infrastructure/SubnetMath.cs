using System.Net;
using System.Net.Sockets;
using Infra.Core.Spec;

namespace Infra.Core.Infrastructure;

/// <summary>Splitting an IPv4 network into equal, aligned subnets.</summary>
public static class SubnetMath
{
    /// <summary>
    /// The first <paramref name="count"/> of the 2^k equal subnets of <paramref name="network"/>, with the smallest k
    /// such that 2^k ≥ count: /16 over 3 zones gives three /18s, leaving the fourth free.
    /// </summary>
    public static IReadOnlyList<Cidr> Split(Cidr network, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (network.Network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{network} is not an IPv4 network", nameof(network));
        var bits = 0;
        while ((1 << bits) < count) bits++;
        var prefix = network.Network.PrefixLength + bits;
        if (prefix > 32) throw new ArgumentException($"{network} cannot hold {count} subnets", nameof(network));
        var size = 1L << (32 - prefix);
        var result = new List<Cidr>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(new Cidr(new IPNetwork(network.AddressAt(i * size), prefix)));
        }
        return result;
    }

    /// <summary>Addresses in a subnet of the given prefix length.</summary>
    public static long Size(int prefixLength) => 1L << (32 - prefixLength);
}
