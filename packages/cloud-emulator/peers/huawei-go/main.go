// A client of the emulator's Huawei front end written against Huawei's official Go SDK
// (huaweicloud-sdk-go-v3 v0.1.46, the version Packer's huaweicloud plugin pins), which signs
// without `host` and decodes answers into typed structs. It runs the huaweicloud-ecs flow and
// prints one line per call: "ok <Action>" or "FAIL <Action>: <error>". Exit status: failures.
// Built by ../../scripts/huawei-go-peer.sh; the SDK's source is never committed.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	ecs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2"
	ecsm "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
	eip "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/eip/v2"
	eipm "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/eip/v2/model"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iamm "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"
	ims "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ims/v2"
	imsm "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ims/v2/model"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v2"
	vpcm "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v2/model"
)

var failures = 0

func step(action string, err error) bool {
	if err != nil {
		failures++
		fmt.Printf("FAIL %s: %v\n", action, err)
		return false
	}
	fmt.Printf("ok %s\n", action)
	return true
}

func str(s string) *string { return &s }
func i32(n int32) *int32   { return &n }
func yes() *bool           { t := true; return &t }

func main() {
	endpoint, ak, sk, project, domain := os.Getenv("HW_ENDPOINT"), os.Getenv("HW_ACCESS_KEY"), os.Getenv("HW_SECRET_KEY"), os.Getenv("HW_PROJECT_ID"), os.Getenv("HW_DOMAIN_ID")
	region := os.Getenv("HW_REGION_NAME")
	cred := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(project).Build()
	hc := config.DefaultHttpConfig().WithTimeout(60 * time.Second)
	e := ecs.NewEcsClient(ecs.EcsClientBuilder().WithEndpoint(endpoint).WithCredential(cred).WithHttpConfig(hc).Build())
	v := vpc.NewVpcClient(vpc.VpcClientBuilder().WithEndpoint(endpoint).WithCredential(cred).WithHttpConfig(hc).Build())
	im := ims.NewImsClient(ims.ImsClientBuilder().WithEndpoint(endpoint).WithCredential(cred).WithHttpConfig(hc).Build())
	ei := eip.NewEipClient(eip.EipClientBuilder().WithEndpoint(endpoint).WithCredential(cred).WithHttpConfig(hc).Build())
	gcred := global.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithDomainId(domain).Build()
	ia := iam.NewIamClient(iam.IamClientBuilder().WithEndpoint(endpoint).WithCredential(gcred).WithHttpConfig(hc).Build())

	projects, err := ia.KeystoneListProjects(&iamm.KeystoneListProjectsRequest{Name: str(region)})
	if step("KeystoneListProjects", err) && (projects.Projects == nil || len(*projects.Projects) != 1 || (*projects.Projects)[0].Id != project) {
		step("KeystoneListProjects", fmt.Errorf("expected exactly the project %s", project))
	}
	_, err = e.NovaListAvailabilityZones(&ecsm.NovaListAvailabilityZonesRequest{})
	step("NovaListAvailabilityZones", err)
	_, err = e.ListFlavors(&ecsm.ListFlavorsRequest{AvailabilityZone: str(region + "a")})
	step("ListFlavors", err)
	pub := os.Getenv("PUBLIC_KEY")
	_, err = e.NovaCreateKeypair(&ecsm.NovaCreateKeypairRequest{Body: &ecsm.NovaCreateKeypairRequestBody{Keypair: &ecsm.NovaCreateKeypairOption{Name: "go-sdk-key", PublicKey: &pub}}})
	step("NovaCreateKeypair", err)
	key, err := e.NovaShowKeypair(&ecsm.NovaShowKeypairRequest{KeypairName: "go-sdk-key"})
	if step("NovaShowKeypair", err) {
		fmt.Printf("  keypair id %d\n", key.Keypair.Id)
	}
	_, err = e.NovaListKeypairs(&ecsm.NovaListKeypairsRequest{})
	step("NovaListKeypairs", err)

	vp, err := v.CreateVpc(&vpcm.CreateVpcRequest{Body: &vpcm.CreateVpcRequestBody{Vpc: &vpcm.CreateVpcOption{Name: str("go-sdk-vpc"), Cidr: str("192.168.0.0/16")}}})
	if !step("CreateVpc", err) {
		os.Exit(failures)
	}
	vpcID := vp.Vpc.Id
	_, err = v.ShowVpc(&vpcm.ShowVpcRequest{VpcId: vpcID})
	step("ShowVpc", err)
	sn, err := v.CreateSubnet(&vpcm.CreateSubnetRequest{Body: &vpcm.CreateSubnetRequestBody{Subnet: &vpcm.CreateSubnetOption{Name: "go-sdk-subnet", Cidr: "192.168.0.0/24", VpcId: vpcID, GatewayIp: "192.168.0.1"}}})
	if !step("CreateSubnet", err) {
		os.Exit(failures)
	}
	subnetID := sn.Subnet.Id
	_, err = v.ShowSubnet(&vpcm.ShowSubnetRequest{SubnetId: subnetID})
	step("ShowSubnet", err)
	sg, err := v.CreateSecurityGroup(&vpcm.CreateSecurityGroupRequest{Body: &vpcm.CreateSecurityGroupRequestBody{SecurityGroup: &vpcm.CreateSecurityGroupOption{Name: "go-sdk-sg", VpcId: &vpcID}}})
	if !step("CreateSecurityGroup", err) {
		os.Exit(failures)
	}
	sgID := sg.SecurityGroup.Id
	_, err = v.CreateSecurityGroupRule(&vpcm.CreateSecurityGroupRuleRequest{Body: &vpcm.CreateSecurityGroupRuleRequestBody{SecurityGroupRule: &vpcm.CreateSecurityGroupRuleOption{
		SecurityGroupId: sgID, Direction: "ingress", Protocol: str("tcp"), PortRangeMin: i32(22), PortRangeMax: i32(22), RemoteIpPrefix: str("0.0.0.0/0"),
	}}})
	step("CreateSecurityGroupRule", err)
	_, err = v.ListSecurityGroups(&vpcm.ListSecurityGroupsRequest{VpcId: &vpcID})
	step("ListSecurityGroups", err)

	images, err := im.ListImages(&imsm.ListImagesRequest{Name: str("Ubuntu 22.04 server 64bit")})
	if !step("ListImages", err) || images.Images == nil || len(*images.Images) != 1 {
		step("ListImages", fmt.Errorf("expected one image named Ubuntu 22.04 server 64bit"))
		os.Exit(failures)
	}
	imageRef := (*images.Images)[0].Id
	sgs := []ecsm.PostPaidServerSecurityGroup{{Id: &sgID}}
	server := &ecsm.PostPaidServer{
		Name: "go-sdk-server", ImageRef: imageRef, FlavorRef: "c6.large.2", Vpcid: vpcID, KeyName: str("go-sdk-key"),
		Nics: []ecsm.PostPaidServerNic{{SubnetId: subnetID}}, SecurityGroups: &sgs,
		RootVolume: &ecsm.PostPaidServerRootVolume{Volumetype: ecsm.GetPostPaidServerRootVolumeVolumetypeEnum().SSD},
		Publicip: &ecsm.PostPaidServerPublicip{DeleteOnTermination: yes(), Eip: &ecsm.PostPaidServerEip{Iptype: "5_bgp",
			Bandwidth: &ecsm.PostPaidServerEipBandwidth{Size: i32(1), Sharetype: ecsm.GetPostPaidServerEipBandwidthSharetypeEnum().PER, Chargemode: str("traffic")}}},
	}
	made, err := e.CreatePostPaidServers(&ecsm.CreatePostPaidServersRequest{Body: &ecsm.CreatePostPaidServersRequestBody{Server: server}})
	if !step("CreatePostPaidServers", err) {
		os.Exit(failures)
	}
	serverID := (*made.ServerIds)[0]
	waitJob(e, *made.JobId)
	_, err = e.ShowServer(&ecsm.ShowServerRequest{ServerId: serverID})
	step("ShowServer", err)
	_, err = e.ListServersDetails(&ecsm.ListServersDetailsRequest{Name: str("go-sdk-server")})
	step("ListServersDetails", err)
	_, err = e.ListServerInterfaces(&ecsm.ListServerInterfacesRequest{ServerId: serverID})
	step("ListServerInterfaces", err)
	_, err = ei.ListPublicips(&eipm.ListPublicipsRequest{})
	step("ListPublicips", err)
	stop, err := e.BatchStopServers(&ecsm.BatchStopServersRequest{Body: &ecsm.BatchStopServersRequestBody{OsStop: &ecsm.BatchStopServersOption{Servers: []ecsm.ServerId{{Id: serverID}}}}})
	if step("BatchStopServers", err) {
		waitJob(e, *stop.JobId)
	}
	img, err := im.CreateImage(&imsm.CreateImageRequest{Body: &imsm.CreateImageRequestBody{Name: "go-sdk-image", InstanceId: &serverID}})
	if step("CreateImage", err) {
		for {
			j, err := im.ShowJob(&imsm.ShowJobRequest{JobId: *img.JobId})
			if !step("ShowJob (IMS)", err) {
				break
			}
			if s := j.Status.Value(); s == "SUCCESS" || s == "FAIL" {
				if s == "FAIL" || j.Entities == nil || j.Entities.ImageId == nil {
					step("ShowJob (IMS)", fmt.Errorf("image job ended %s", s))
				} else {
					_, err = im.GlanceDeleteImage(&imsm.GlanceDeleteImageRequest{ImageId: *j.Entities.ImageId, Body: &imsm.GlanceDeleteImageRequestBody{}})
					step("GlanceDeleteImage", err)
				}
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	del, err := e.DeleteServers(&ecsm.DeleteServersRequest{Body: &ecsm.DeleteServersRequestBody{Servers: []ecsm.ServerId{{Id: serverID}}, DeletePublicip: yes(), DeleteVolume: yes()}})
	if step("DeleteServers", err) {
		waitJob(e, *del.JobId)
	}
	_, err = e.NovaDeleteKeypair(&ecsm.NovaDeleteKeypairRequest{KeypairName: "go-sdk-key"})
	step("NovaDeleteKeypair", err)
	_, err = v.DeleteSecurityGroup(&vpcm.DeleteSecurityGroupRequest{SecurityGroupId: sgID})
	step("DeleteSecurityGroup", err)
	_, err = v.DeleteSubnet(&vpcm.DeleteSubnetRequest{VpcId: vpcID, SubnetId: subnetID})
	step("DeleteSubnet", err)
	_, err = v.DeleteVpc(&vpcm.DeleteVpcRequest{VpcId: vpcID})
	step("DeleteVpc", err)
	fmt.Printf("%d failed\n", failures)
	os.Exit(failures)
}

func waitJob(e *ecs.EcsClient, id string) {
	for {
		j, err := e.ShowJob(&ecsm.ShowJobRequest{JobId: id})
		if !step("ShowJob", err) {
			return
		}
		if s := j.Status.Value(); s == "SUCCESS" || s == "FAIL" {
			if s == "FAIL" {
				step("ShowJob", fmt.Errorf("job %s failed", id))
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
