// The client side of SFTPGo's notifier plugin contract (sftpgo/sdk plugin/notifier), written by
// hand: Debian packages no Go code generated from notifier.proto, and golang/protobuf 1.3
// marshals any struct whose fields carry protobuf tags.
package main

import (
	"context"
	"errors"

	"github.com/golang/protobuf/proto"
	"github.com/golang/protobuf/ptypes/empty"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// fsEvent mirrors proto.FsEvent (notifier.proto) field by field; the JSON names are the proto
// field names, so an events file reads like the proto.
type fsEvent struct {
	Timestamp         int64             `protobuf:"varint,1,opt,name=timestamp,proto3" json:"timestamp"`
	Action            string            `protobuf:"bytes,2,opt,name=action,proto3" json:"action"`
	Username          string            `protobuf:"bytes,3,opt,name=username,proto3" json:"username"`
	FsPath            string            `protobuf:"bytes,4,opt,name=fs_path,proto3" json:"fs_path"`
	FsTargetPath      string            `protobuf:"bytes,5,opt,name=fs_target_path,proto3" json:"fs_target_path"`
	SshCmd            string            `protobuf:"bytes,6,opt,name=ssh_cmd,proto3" json:"ssh_cmd"`
	FileSize          int64             `protobuf:"varint,7,opt,name=file_size,proto3" json:"file_size"`
	Protocol          string            `protobuf:"bytes,8,opt,name=protocol,proto3" json:"protocol"`
	Status            int32             `protobuf:"varint,9,opt,name=status,proto3" json:"status"`
	Ip                string            `protobuf:"bytes,10,opt,name=ip,proto3" json:"ip"`
	VirtualPath       string            `protobuf:"bytes,11,opt,name=virtual_path,proto3" json:"virtual_path"`
	VirtualTargetPath string            `protobuf:"bytes,12,opt,name=virtual_target_path,proto3" json:"virtual_target_path"`
	SessionId         string            `protobuf:"bytes,13,opt,name=session_id,proto3" json:"session_id"`
	FsProvider        int32             `protobuf:"varint,14,opt,name=fs_provider,proto3" json:"fs_provider"`
	Bucket            string            `protobuf:"bytes,15,opt,name=bucket,proto3" json:"bucket"`
	Endpoint          string            `protobuf:"bytes,16,opt,name=endpoint,proto3" json:"endpoint"`
	OpenFlags         int32             `protobuf:"varint,17,opt,name=open_flags,proto3" json:"open_flags"`
	Role              string            `protobuf:"bytes,18,opt,name=role,proto3" json:"role"`
	Elapsed           int64             `protobuf:"varint,19,opt,name=elapsed,proto3" json:"elapsed"`
	Metadata          map[string]string `protobuf:"bytes,20,rep,name=metadata,proto3" protobuf_key:"bytes,1,opt,name=key,proto3" protobuf_val:"bytes,2,opt,name=value,proto3" json:"metadata"`
}

func (m *fsEvent) Reset()         { *m = fsEvent{} }
func (m *fsEvent) String() string { return proto.CompactTextString(m) }
func (*fsEvent) ProtoMessage()    {}

// stdioData mirrors plugin.StdioData (go-plugin grpc_stdio.proto).
type stdioData struct {
	Channel int32  `protobuf:"varint,1,opt,name=channel,proto3"`
	Data    []byte `protobuf:"bytes,2,opt,name=data,proto3"`
}

func (m *stdioData) Reset()         { *m = stdioData{} }
func (m *stdioData) String() string { return proto.CompactTextString(m) }
func (*stdioData) ProtoMessage()    {}

// notifierClient calls proto.Notifier the way sftpgo/sdk's GRPCClient does: one unary call per
// event with its own deadline.
type notifierClient struct {
	conn *grpc.ClientConn
}

func (c *notifierClient) SendFsEvent(ctx context.Context, ev *fsEvent, opts ...grpc.CallOption) error {
	return c.conn.Invoke(ctx, "/proto.Notifier/SendFsEvent", ev, &empty.Empty{}, opts...)
}

// notifierPlugin is the "notifier" entry of the host's plugin map; like SFTPGo, the host only
// dispenses clients.
type notifierPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (notifierPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("this host only dispenses notifier clients")
}

func (notifierPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return &notifierClient{conn: conn}, nil
}
