import { DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2'
import { deleteUntilGone } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'

// EC2 security groups: deleted by the security-group step and by `tsimg cleanup`.

/** Deletes a group; DependencyViolation (the terminated instance's ENI still attached) is retried. */
export function deleteSecurityGroup(api: Ec2Api, id: string, region: string, signal: AbortSignal): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'DeleteSecurityGroup',
    resource: `security group ${id} (${region})`,
    signal,
    send: (s) => api.client(region).send(new DeleteSecurityGroupCommand({ GroupId: id }), { abortSignal: s as never }),
  })
}

/** Our group of this name (in this VPC), if it exists. */
export async function findSecurityGroup(
  api: Ec2Api,
  region: string,
  name: string,
  vpcId: string | undefined,
  signal: AbortSignal,
): Promise<string | undefined> {
  const filters = [{ Name: 'group-name', Values: [name] }, ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : [])]
  const res = await api.send(region, new DescribeSecurityGroupsCommand({ Filters: filters }), { signal })
  return res.SecurityGroups?.[0]?.GroupId
}
